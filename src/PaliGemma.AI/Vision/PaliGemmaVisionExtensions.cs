namespace PaliGemma.AI;

/// <summary>Overloads of <see cref="IPaliGemmaVision"/> for images given as bytes, streams or file paths.</summary>
public static class PaliGemmaVisionExtensions
{
    /// <summary>Detects objects in an encoded image.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="encodedImage">The encoded image bytes.</param>
    /// <param name="labels">The object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The detections.</returns>
    public static Task<DetectionResult> DetectAsync(this IPaliGemmaVision vision, byte[] encodedImage, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
        Checked(vision).DetectAsync(PaliGemmaImageContent.FromBytes(encodedImage), labels, cancellationToken);

    /// <summary>Detects objects in an image stream.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="image">The image stream (read to its end).</param>
    /// <param name="labels">The object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The detections.</returns>
    public static async Task<DetectionResult> DetectAsync(this IPaliGemmaVision vision, Stream image, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
        await Checked(vision).DetectAsync(await PaliGemmaImageContent.FromStreamAsync(image, null, cancellationToken).ConfigureAwait(false), labels, cancellationToken).ConfigureAwait(false);

    /// <summary>Detects objects in an image file.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="imagePath">The image file.</param>
    /// <param name="labels">The object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The detections.</returns>
    public static async Task<DetectionResult> DetectFileAsync(this IPaliGemmaVision vision, string imagePath, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
        await Checked(vision).DetectAsync(await PaliGemmaImageContent.FromFileAsync(imagePath, null, cancellationToken).ConfigureAwait(false), labels, cancellationToken).ConfigureAwait(false);

    /// <summary>Segments objects in an encoded image.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="encodedImage">The encoded image bytes.</param>
    /// <param name="labels">The object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The segmentations.</returns>
    public static Task<SegmentationResult> SegmentAsync(this IPaliGemmaVision vision, byte[] encodedImage, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
        Checked(vision).SegmentAsync(PaliGemmaImageContent.FromBytes(encodedImage), labels, cancellationToken);

    /// <summary>Segments objects in an image stream.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="image">The image stream (read to its end).</param>
    /// <param name="labels">The object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The segmentations.</returns>
    public static async Task<SegmentationResult> SegmentAsync(this IPaliGemmaVision vision, Stream image, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
        await Checked(vision).SegmentAsync(await PaliGemmaImageContent.FromStreamAsync(image, null, cancellationToken).ConfigureAwait(false), labels, cancellationToken).ConfigureAwait(false);

    /// <summary>Segments objects in an image file.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="imagePath">The image file.</param>
    /// <param name="labels">The object names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The segmentations.</returns>
    public static async Task<SegmentationResult> SegmentFileAsync(this IPaliGemmaVision vision, string imagePath, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
        await Checked(vision).SegmentAsync(await PaliGemmaImageContent.FromFileAsync(imagePath, null, cancellationToken).ConfigureAwait(false), labels, cancellationToken).ConfigureAwait(false);

    /// <summary>Captions an encoded image.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="encodedImage">The encoded image bytes.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caption.</returns>
    public static Task<TextResult> CaptionAsync(this IPaliGemmaVision vision, byte[] encodedImage, string language = "en", CancellationToken cancellationToken = default) =>
        Checked(vision).CaptionAsync(PaliGemmaImageContent.FromBytes(encodedImage), language, cancellationToken);

    /// <summary>Captions an image stream.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="image">The image stream (read to its end).</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caption.</returns>
    public static async Task<TextResult> CaptionAsync(this IPaliGemmaVision vision, Stream image, string language = "en", CancellationToken cancellationToken = default) =>
        await Checked(vision).CaptionAsync(await PaliGemmaImageContent.FromStreamAsync(image, null, cancellationToken).ConfigureAwait(false), language, cancellationToken).ConfigureAwait(false);

    /// <summary>Captions an image file.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="imagePath">The image file.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caption.</returns>
    public static async Task<TextResult> CaptionFileAsync(this IPaliGemmaVision vision, string imagePath, string language = "en", CancellationToken cancellationToken = default) =>
        await Checked(vision).CaptionAsync(await PaliGemmaImageContent.FromFileAsync(imagePath, null, cancellationToken).ConfigureAwait(false), language, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads the text in an encoded image.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="encodedImage">The encoded image bytes.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The text.</returns>
    public static Task<TextResult> OcrAsync(this IPaliGemmaVision vision, byte[] encodedImage, CancellationToken cancellationToken = default) =>
        Checked(vision).OcrAsync(PaliGemmaImageContent.FromBytes(encodedImage), cancellationToken);

    /// <summary>Reads the text in an image stream.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="image">The image stream (read to its end).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The text.</returns>
    public static async Task<TextResult> OcrAsync(this IPaliGemmaVision vision, Stream image, CancellationToken cancellationToken = default) =>
        await Checked(vision).OcrAsync(await PaliGemmaImageContent.FromStreamAsync(image, null, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Reads the text in an image file.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="imagePath">The image file.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The text.</returns>
    public static async Task<TextResult> OcrFileAsync(this IPaliGemmaVision vision, string imagePath, CancellationToken cancellationToken = default) =>
        await Checked(vision).OcrAsync(await PaliGemmaImageContent.FromFileAsync(imagePath, null, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Answers a question about an encoded image.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="encodedImage">The encoded image bytes.</param>
    /// <param name="question">The question.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    public static Task<TextResult> AnswerAsync(this IPaliGemmaVision vision, byte[] encodedImage, string question, string language = "en", CancellationToken cancellationToken = default) =>
        Checked(vision).AnswerAsync(PaliGemmaImageContent.FromBytes(encodedImage), question, language, cancellationToken);

    /// <summary>Answers a question about an image stream.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="image">The image stream (read to its end).</param>
    /// <param name="question">The question.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    public static async Task<TextResult> AnswerAsync(this IPaliGemmaVision vision, Stream image, string question, string language = "en", CancellationToken cancellationToken = default) =>
        await Checked(vision).AnswerAsync(await PaliGemmaImageContent.FromStreamAsync(image, null, cancellationToken).ConfigureAwait(false), question, language, cancellationToken).ConfigureAwait(false);

    /// <summary>Answers a question about an image file.</summary>
    /// <param name="vision">The service.</param>
    /// <param name="imagePath">The image file.</param>
    /// <param name="question">The question.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    public static async Task<TextResult> AnswerFileAsync(this IPaliGemmaVision vision, string imagePath, string question, string language = "en", CancellationToken cancellationToken = default) =>
        await Checked(vision).AnswerAsync(await PaliGemmaImageContent.FromFileAsync(imagePath, null, cancellationToken).ConfigureAwait(false), question, language, cancellationToken).ConfigureAwait(false);

    private static IPaliGemmaVision Checked(IPaliGemmaVision vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        return vision;
    }
}
