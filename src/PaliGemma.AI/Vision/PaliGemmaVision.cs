using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// <see cref="IPaliGemmaVision"/> over any <see cref="IChatClient"/> that serves a PaliGemma model (the local
/// <see cref="PaliGemmaChatClient"/>, a pipeline around it, or a remote server): it writes the task prefix, sends
/// the image with it, and parses the answer into typed results.
/// </summary>
/// <remarks>
/// Requests are sent as plain text plus one image, greedy (temperature 0), so any PaliGemma server understands
/// them. The original image size, needed to turn the model's 0..1023 grid into pixels, is read from the image
/// header only; the image is decoded once, by the chat client. <see cref="SegmentAsync"/> decodes masks with
/// <see cref="PaliGemmaVisionOptions.MaskDecoder"/>, else the chat client's <see cref="MaskDecoder"/> service, else returns none.
/// </remarks>
public sealed class PaliGemmaVision : IPaliGemmaVision
{
    private readonly IChatClient _chatClient;
    private readonly PaliGemmaVisionOptions _options;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="chatClient">A chat client that serves a PaliGemma model.</param>
    /// <param name="options">Settings, or null for the defaults.</param>
    public PaliGemmaVision(IChatClient chatClient, PaliGemmaVisionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
        _options = options ?? new PaliGemmaVisionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxOutputTokens, 1, "options.MaxOutputTokens");
    }

    /// <inheritdoc />
    public async Task<DetectionResult> DetectAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default)
    {
        var task = PaliGemmaTask.Detect(ToArray(labels));
        var (width, height) = GetImageSize(image);
        var text = await RunAsync(image, task, cancellationToken).ConfigureAwait(false);
        return new DetectionResult(PaliGemmaOutputParser.ParseDetections(text, width, height), text, width, height);
    }

    /// <inheritdoc />
    public async Task<SegmentationResult> SegmentAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default)
    {
        var task = PaliGemmaTask.Segment(ToArray(labels));
        var (width, height) = GetImageSize(image);
        var text = await RunAsync(image, task, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<SegmentedObject> objects = PaliGemmaOutputParser.ParseSegments(text, width, height);
        if (objects.Count > 0 && (_options.MaskDecoder ?? _chatClient.GetService<MaskDecoder>()) is { } decoder)
        {
            objects = SegmentationMasks.Attach(objects, decoder, width, height);
        }

        return new SegmentationResult(objects, text, width, height);
    }

    /// <inheritdoc />
    public Task<TextResult> CaptionAsync(DataContent image, string language = "en", CancellationToken cancellationToken = default) =>
        RunTextAsync(image, PaliGemmaTask.Caption(language), cancellationToken);

    /// <inheritdoc />
    public Task<TextResult> OcrAsync(DataContent image, CancellationToken cancellationToken = default) =>
        RunTextAsync(image, PaliGemmaTask.Ocr(), cancellationToken);

    /// <inheritdoc />
    public Task<TextResult> AnswerAsync(DataContent image, string question, string language = "en", CancellationToken cancellationToken = default) =>
        RunTextAsync(image, PaliGemmaTask.Answer(question, language), cancellationToken);

    /// <summary>
    /// Answers a question with one of <paramref name="allowedAnswers"/> (for example <c>yes</c>/<c>no</c> or digits): a local
    /// <see cref="PaliGemmaChatClient"/> enforces the choice token by token (see
    /// <see cref="PaliGemmaChatOptionsExtensions.WithPaliGemmaAllowedAnswers"/>).
    /// </summary>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="question">The question, on one line.</param>
    /// <param name="allowedAnswers">The answers the model may give, each one line without <c>&lt;</c> or <c>&gt;</c>.</param>
    /// <param name="language">The language code, for example <c>en</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="ArgumentException">The question, language or an answer is not valid, or no answer was given.</exception>
    public Task<TextResult> AnswerAsync(DataContent image, string question, IEnumerable<string> allowedAnswers, string language = "en", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(allowedAnswers);
        string[] answers = [.. allowedAnswers];
        if (answers.Length == 0)
        {
            throw new ArgumentException("At least one allowed answer is needed.", nameof(allowedAnswers));
        }

        return RunTextAsync(image, PaliGemmaTask.Answer(question, language), cancellationToken, answers);
    }

    private async Task<TextResult> RunTextAsync(DataContent image, PaliGemmaTask task, CancellationToken cancellationToken, string[]? allowedAnswers = null)
    {
        CheckImage(image);
        var text = await RunAsync(image, task, cancellationToken, allowedAnswers).ConfigureAwait(false);
        return new TextResult(PaliGemmaOutputParser.ParseText(text), text);
    }

    private async Task<string> RunAsync(DataContent image, PaliGemmaTask task, CancellationToken cancellationToken, string[]? allowedAnswers = null)
    {
        var message = new ChatMessage(ChatRole.User, [new TextContent(task.ToPrompt()), image]);
        // The typed task travels with the text: a local PaliGemmaChatClient then decodes it under its grammar (see
        // PaliGemmaChatClientOptions.ConstrainTypedTasks); any other PaliGemma server reads the text.
        var options = new ChatOptions { Temperature = 0f, MaxOutputTokens = _options.MaxOutputTokens }.WithPaliGemmaTask(task);
        if (allowedAnswers is not null)
        {
            options.WithPaliGemmaAllowedAnswers(allowedAnswers);
        }

        var response = await _chatClient.GetResponseAsync([message], options, cancellationToken).ConfigureAwait(false);
        return response.Text;
    }

    private (int Width, int Height) GetImageSize(DataContent image)
    {
        CheckImage(image);
        var info = PaliGemmaImageProcessor.Identify(image, _options.ImageLoadOptions);
        return (info.Width, info.Height);
    }

    private static string[] ToArray(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return [.. labels];
    }

    private static void CheckImage(DataContent image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!image.HasTopLevelMediaType("image"))
        {
            throw new ArgumentException($"The content has media type '{image.MediaType}'; PaliGemma needs an image (image/*).", nameof(image));
        }
    }
}
