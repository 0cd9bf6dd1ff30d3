using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// Typed PaliGemma tasks over an image: detection, segmentation, captions, OCR and visual question answering.
/// Boxes are in pixel coordinates of the original image.
/// </summary>
/// <remarks>
/// Overloads taking <see cref="byte"/> arrays, streams and file paths are in <see cref="PaliGemmaVisionExtensions"/>.
/// Labels, questions and language codes are validated before anything runs: text that could change the task
/// (<c>;</c>, <c>&lt;loc0001&gt;</c>, line breaks) throws <see cref="ArgumentException"/> naming the value.
/// </remarks>
public interface IPaliGemmaVision
{
    /// <summary>Finds the objects named by <paramref name="labels"/> (<c>detect a ; b</c>).</summary>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="labels">One or more object names, for example <c>["cat", "dog"]</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The detected objects with boxes in original-image pixels, and the raw model text.</returns>
    Task<DetectionResult> DetectAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default);

    /// <summary>Segments the objects named by <paramref name="labels"/> (<c>segment a ; b</c>).</summary>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="labels">One or more object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The segmented objects (box + 16 mask codes) in original-image pixels, and the raw model text.</returns>
    Task<SegmentationResult> SegmentAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default);

    /// <summary>Writes a short caption (<c>caption {language}</c>).</summary>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="language">The language code, for example <c>en</c> or <c>de</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caption.</returns>
    Task<TextResult> CaptionAsync(DataContent image, string language = "en", CancellationToken cancellationToken = default);

    /// <summary>Reads the text in the image (<c>ocr</c>).</summary>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The recognised text.</returns>
    Task<TextResult> OcrAsync(DataContent image, CancellationToken cancellationToken = default);

    /// <summary>Answers a question about the image (<c>answer {language} {question}</c>).</summary>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="question">The question, on one line.</param>
    /// <param name="language">The language code, for example <c>en</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    Task<TextResult> AnswerAsync(DataContent image, string question, string language = "en", CancellationToken cancellationToken = default);
}
