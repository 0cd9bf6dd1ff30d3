using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// The vision tools every host uses (Semantic Kernel plugin, AI functions, MCP server): resolve the <c>image</c>
/// reference, run the PaliGemma task, and turn the typed result into a tool result. Failures an LLM can fix or
/// report (bad reference, rejected label, unsupported image, busy model) come back as error results; only
/// cancellation is thrown.
/// </summary>
public sealed class PaliGemmaVisionTools
{
    private static readonly char[] LabelSeparators = [',', ';'];
    private readonly IPaliGemmaVision _vision;
    private readonly IImageReferenceResolver _resolver;
    private readonly PaliGemmaToolOptions _options;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="vision">The PaliGemma vision service.</param>
    /// <param name="resolver">Resolves <c>image</c> arguments, or null for an <see cref="ImageReferenceResolver"/> without an image store.</param>
    /// <param name="options">The settings, or null for the defaults.</param>
    public PaliGemmaVisionTools(IPaliGemmaVision vision, IImageReferenceResolver? resolver = null, PaliGemmaToolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vision);
        _options = options ?? new PaliGemmaToolOptions();
        _options.Validate();
        _vision = vision;
        _resolver = resolver ?? new ImageReferenceResolver(null, _options);
    }

    /// <summary>Gets the settings.</summary>
    public PaliGemmaToolOptions Options => _options;

    /// <summary>
    /// Returns these tools as Microsoft.Extensions.AI functions (<c>paligemma_Detect</c>, <c>paligemma_Segment</c>,
    /// <c>paligemma_Caption</c>, <c>paligemma_Ocr</c>, <c>paligemma_Answer</c>) for <see cref="ChatOptions.Tools"/>.
    /// </summary>
    /// <returns>The functions; see <see cref="PaliGemmaTools.Create(PaliGemmaVisionTools)"/>.</returns>
    public IList<AITool> AsAIFunctions() => PaliGemmaTools.Create(this);

    /// <summary>Detects objects.</summary>
    /// <param name="labels">Object names separated by commas, for example <c>cat, dog</c>.</param>
    /// <param name="image">The image reference, or null for the conversation's latest image.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<DetectToolResult> DetectAsync(string labels, string? image = null, CancellationToken cancellationToken = default) =>
        RunAsync(() => _resolver.ResolveAsync(image, cancellationToken), content => DetectCoreAsync(content, labels, cancellationToken), cancellationToken);

    /// <summary>Detects objects in an image the host already has (no reference resolution).</summary>
    /// <param name="image">The image.</param>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<DetectToolResult> DetectAsync(DataContent image, string labels, CancellationToken cancellationToken = default) =>
        RunAsync(() => ValueTask.FromResult(image), content => DetectCoreAsync(content, labels, cancellationToken), cancellationToken);

    /// <summary>Segments objects in an image the host already has (no reference resolution).</summary>
    /// <param name="image">The image.</param>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<SegmentToolResult> SegmentAsync(DataContent image, string labels, CancellationToken cancellationToken = default) =>
        RunAsync(() => ValueTask.FromResult(image), content => SegmentCoreAsync(content, labels, cancellationToken), cancellationToken);

    private async Task<DetectToolResult> DetectCoreAsync(DataContent content, string labels, CancellationToken cancellationToken)
    {
        DetectionResult r = await _vision.DetectAsync(content, SplitLabels(labels), cancellationToken).ConfigureAwait(false);
        return new DetectToolResult(r, _options.IncludeRawText);
    }

    /// <summary>Segments objects; masks come as COCO RLE when a mask decoder is available (the model folder's, or <see cref="PaliGemmaToolOptions.MaskDecoder"/>).</summary>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="image">The image reference, or null for the conversation's latest image.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<SegmentToolResult> SegmentAsync(string labels, string? image = null, CancellationToken cancellationToken = default) =>
        RunAsync(() => _resolver.ResolveAsync(image, cancellationToken), content => SegmentCoreAsync(content, labels, cancellationToken), cancellationToken);

    private async Task<SegmentToolResult> SegmentCoreAsync(DataContent content, string labels, CancellationToken cancellationToken)
    {
        SegmentationResult r = await SegmentWithMasksAsync(content, labels, cancellationToken).ConfigureAwait(false);
        return new SegmentToolResult(r, _options.IncludeRawText);
    }

    /// <summary>
    /// Segments objects and returns the typed result with masks attached (for hosts that also render the image).
    /// Throws on failure, unlike the tool methods.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The segmentation with masks where a decoder is available (the vision service's, else <see cref="PaliGemmaToolOptions.MaskDecoder"/>).</returns>
    public async Task<SegmentationResult> SegmentWithMasksAsync(DataContent image, string labels, CancellationToken cancellationToken = default)
    {
        SegmentationResult r = await _vision.SegmentAsync(image, SplitLabels(labels), cancellationToken).ConfigureAwait(false);

        // The vision service attaches masks itself when its chat client has a mask decoder; decode here only when it did not.
        return _options.MaskDecoder is { } decoder && r.Objects.Count > 0 && r.Objects.All(o => o.Mask is null)
            ? r with { Objects = SegmentationMasks.Attach(r.Objects, decoder, r.ImageWidth, r.ImageHeight) }
            : r;
    }

    /// <summary>Writes a short caption.</summary>
    /// <param name="image">The image reference, or null for the conversation's latest image.</param>
    /// <param name="language">The language code (default <c>en</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<TextToolResult> CaptionAsync(string? image = null, string? language = null, CancellationToken cancellationToken = default) =>
        RunTextAsync(image, cancellationToken, content => _vision.CaptionAsync(content, Language(language), cancellationToken));

    /// <summary>Reads the text in the image.</summary>
    /// <param name="image">The image reference, or null for the conversation's latest image.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<TextToolResult> OcrAsync(string? image = null, CancellationToken cancellationToken = default) =>
        RunTextAsync(image, cancellationToken, content => _vision.OcrAsync(content, cancellationToken));

    /// <summary>Answers a question about the image.</summary>
    /// <param name="question">The question, on one line.</param>
    /// <param name="image">The image reference, or null for the conversation's latest image.</param>
    /// <param name="language">The language code (default <c>en</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<TextToolResult> AnswerAsync(string question, string? image = null, string? language = null, CancellationToken cancellationToken = default) =>
        RunTextAsync(image, cancellationToken, content => _vision.AnswerAsync(content, question, Language(language), cancellationToken));

    /// <summary>Writes a short caption of an image the host already has (no reference resolution).</summary>
    /// <param name="image">The image.</param>
    /// <param name="language">The language code (default <c>en</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<TextToolResult> CaptionAsync(DataContent image, string? language, CancellationToken cancellationToken = default) =>
        RunTextAsync(() => ValueTask.FromResult(image), cancellationToken, content => _vision.CaptionAsync(content, Language(language), cancellationToken));

    /// <summary>Reads the text in an image the host already has (no reference resolution).</summary>
    /// <param name="image">The image.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<TextToolResult> OcrAsync(DataContent image, CancellationToken cancellationToken) =>
        RunTextAsync(() => ValueTask.FromResult(image), cancellationToken, content => _vision.OcrAsync(content, cancellationToken));

    /// <summary>Answers a question about an image the host already has (no reference resolution).</summary>
    /// <param name="image">The image.</param>
    /// <param name="question">The question, on one line.</param>
    /// <param name="language">The language code (default <c>en</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The result, or an error result.</returns>
    public Task<TextToolResult> AnswerAsync(DataContent image, string question, string? language, CancellationToken cancellationToken = default) =>
        RunTextAsync(() => ValueTask.FromResult(image), cancellationToken, content => _vision.AnswerAsync(content, question, Language(language), cancellationToken));

    /// <summary>Resolves an image reference the way the tools do.</summary>
    /// <param name="image">The reference, or null for the conversation's latest image.</param>
    /// <param name="cancellationToken">Cancels the resolution.</param>
    /// <returns>The image.</returns>
    /// <exception cref="ImageReferenceException">The reference cannot be used.</exception>
    public ValueTask<DataContent> ResolveImageAsync(string? image, CancellationToken cancellationToken = default) =>
        _resolver.ResolveAsync(image, cancellationToken);

    /// <summary>Splits a comma- (or semicolon-) separated label list; each label is validated by the vision service.</summary>
    /// <param name="labels">The list.</param>
    /// <returns>The trimmed, non-empty labels.</returns>
    public static string[] SplitLabels(string? labels)
    {
        string[] parts = (labels ?? string.Empty).Split(LabelSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length > 0
            ? parts
            : throw new ArgumentException("No labels were given; pass object names separated by commas, for example 'cat, dog'.", nameof(labels));
    }

    private Task<TextToolResult> RunTextAsync(string? image, CancellationToken cancellationToken, Func<DataContent, Task<TextResult>> run) =>
        RunTextAsync(() => _resolver.ResolveAsync(image, cancellationToken), cancellationToken, run);

    private Task<TextToolResult> RunTextAsync(Func<ValueTask<DataContent>> resolve, CancellationToken cancellationToken, Func<DataContent, Task<TextResult>> run) =>
        RunAsync(resolve, async content =>
        {
            TextResult r = await run(content).ConfigureAwait(false);
            var info = PaliGemmaImageProcessor.Identify(content, new ImageLoadOptions { MaxEncodedBytes = _options.MaxImageBytes });
            return new TextToolResult(r, info.Width, info.Height, _options.IncludeRawText);
        }, cancellationToken);

    private static async Task<T> RunAsync<T>(Func<ValueTask<DataContent>> resolve, Func<DataContent, Task<T>> run, CancellationToken cancellationToken)
        where T : PaliGemmaToolResult, new()
    {
        try
        {
            DataContent content = await resolve().ConfigureAwait(false);
            return await run(content).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            (string code, string message) = ToolResultMapper.Describe(ex);
            return new T { Error = message, Code = code };
        }
    }

    private static string Language(string? language) => string.IsNullOrWhiteSpace(language) ? "en" : language.Trim();
}
