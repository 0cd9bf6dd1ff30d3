using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// Semantic Kernel plugin (name <c>paligemma</c>) that lets an LLM look at images through PaliGemma: detect, segment,
/// caption, read text and answer questions. Every function takes an optional <c>image</c> (a registered image id, a
/// <c>data:</c> URI, or an allowed file path; omitted = the latest image in the chat) and returns a typed result;
/// problems come back as <c>{"error": …, "code": …}</c> results rather than exceptions.
/// </summary>
public sealed class PaliGemmaPlugin
{
    /// <summary>The plugin name.</summary>
    public const string PluginName = "paligemma";

    private const string ImageDescription = "Image id the host gave you, or a data:image URI. Omit to use the latest image in the chat.";
    private readonly PaliGemmaVisionTools _tools;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tools">The vision tools.</param>
    public PaliGemmaPlugin(PaliGemmaVisionTools tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        _tools = tools;
    }

    /// <summary>Finds objects and returns their boxes.</summary>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The objects with pixel and normalised boxes.</returns>
    [KernelFunction("Detect")]
    [Description("Find objects in an image. Returns each object's label and bounding box in pixels and as 0..1 fractions.")]
    public Task<DetectToolResult> DetectAsync(
        [Description("Object names to find, separated by commas, e.g. 'cat, dog'.")] string labels,
        [Description(ImageDescription)] string? image = null,
        CancellationToken cancellationToken = default) =>
        _tools.DetectAsync(labels, image, cancellationToken);

    /// <summary>Segments objects and returns boxes and masks.</summary>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The objects with boxes and COCO RLE masks.</returns>
    [KernelFunction("Segment")]
    [Description("Segment objects in an image. Returns each object's label, box, and mask as COCO RLE with its pixel area.")]
    public Task<SegmentToolResult> SegmentAsync(
        [Description("Object names to segment, separated by commas, e.g. 'cat'.")] string labels,
        [Description(ImageDescription)] string? image = null,
        CancellationToken cancellationToken = default) =>
        _tools.SegmentAsync(labels, image, cancellationToken);

    /// <summary>Writes a short caption.</summary>
    /// <param name="image">The image reference.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caption.</returns>
    [KernelFunction("Caption")]
    [Description("Describe an image in one short sentence.")]
    public Task<TextToolResult> CaptionAsync(
        [Description(ImageDescription)] string? image = null,
        [Description("Language code of the caption, e.g. 'en' (default) or 'de'.")] string? language = null,
        CancellationToken cancellationToken = default) =>
        _tools.CaptionAsync(image, language, cancellationToken);

    /// <summary>Reads the text in an image.</summary>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The text.</returns>
    [KernelFunction("Ocr")]
    [Description("Read the text written in an image.")]
    public Task<TextToolResult> OcrAsync(
        [Description(ImageDescription)] string? image = null,
        CancellationToken cancellationToken = default) =>
        _tools.OcrAsync(image, cancellationToken);

    /// <summary>Answers a question about an image.</summary>
    /// <param name="question">The question.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    [KernelFunction("Answer")]
    [Description("Answer a short question about an image.")]
    public Task<TextToolResult> AnswerAsync(
        [Description("The question, on one line, e.g. 'how many cats are there?'.")] string question,
        [Description(ImageDescription)] string? image = null,
        [Description("Language code of the answer, e.g. 'en' (default).")] string? language = null,
        CancellationToken cancellationToken = default) =>
        _tools.AnswerAsync(question, image, language, cancellationToken);
}
