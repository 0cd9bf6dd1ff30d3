using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// A small, immutable composition of PaliGemma tasks over one image: whole-image steps (detect, segment, caption,
/// OCR, answer) run in order, and per-object follow-ups run on each found object's crop of the original image.
/// The result is one <see cref="VisionPipelineResult"/> tree per image, in original-image pixels.
/// </summary>
/// <example>
/// <code>
/// var pipeline = VisionPipeline.Detect("cat", "dog").ForEachObject(o => o.Caption("en")).WithCropPadding(0.1f);
/// VisionPipelineResult result = await pipeline.RunAsync(vision, image, cancellationToken);
/// </code>
/// </example>
/// <remarks>
/// Follow-ups of all objects run concurrently, at most <see cref="MaxConcurrency"/> at a time, so a client that
/// batches concurrent requests (PaliGemmaChatClient with <c>MaxBatchSize</c> &gt; 1) decodes them together, and
/// every step on the same image hits the client's image-feature cache. Cancellation is checked between steps and
/// passed to each call.
/// </remarks>
public sealed class VisionPipeline
{
    private VisionPipeline(IReadOnlyList<VisionStep> steps, IReadOnlyList<VisionStep> followUps, float cropPadding, int maxConcurrency)
    {
        Steps = steps;
        FollowUps = followUps;
        CropPadding = cropPadding;
        MaxConcurrency = maxConcurrency;
    }

    /// <summary>Gets the whole-image steps, in order.</summary>
    public IReadOnlyList<VisionStep> Steps { get; }

    /// <summary>Gets the steps run on each found object's crop, in order.</summary>
    public IReadOnlyList<VisionStep> FollowUps { get; }

    /// <summary>Gets the padding added around each box before cropping, as a fraction of the box's width and height (default 0).</summary>
    public float CropPadding { get; }

    /// <summary>Gets the most follow-up requests in flight at once (default 4).</summary>
    public int MaxConcurrency { get; }

    /// <summary>Starts a pipeline with a detect step.</summary>
    /// <param name="labels">The object names.</param>
    /// <returns>The pipeline.</returns>
    public static VisionPipeline Detect(params IEnumerable<string> labels) => FromSteps([VisionStep.Detect(labels)]);

    /// <summary>Starts a pipeline with a segment step.</summary>
    /// <param name="labels">The object names.</param>
    /// <returns>The pipeline.</returns>
    public static VisionPipeline Segment(params IEnumerable<string> labels) => FromSteps([VisionStep.Segment(labels)]);

    /// <summary>Starts a pipeline with a caption step.</summary>
    /// <param name="language">The language code.</param>
    /// <returns>The pipeline.</returns>
    public static VisionPipeline Caption(string language = "en") => FromSteps([VisionStep.Caption(language)]);

    /// <summary>Starts a pipeline with an OCR step.</summary>
    /// <returns>The pipeline.</returns>
    public static VisionPipeline Ocr() => FromSteps([VisionStep.Ocr()]);

    /// <summary>Starts a pipeline with a question-answering step.</summary>
    /// <param name="question">The question.</param>
    /// <param name="language">The language code.</param>
    /// <returns>The pipeline.</returns>
    public static VisionPipeline Answer(string question, string language = "en") => FromSteps([VisionStep.Answer(question, language)]);

    /// <summary>Builds a pipeline from whole-image steps.</summary>
    /// <param name="steps">The steps, in order (at least one).</param>
    /// <returns>The pipeline.</returns>
    public static VisionPipeline FromSteps(IEnumerable<VisionStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        VisionStep[] list = [.. steps];
        if (list.Length == 0 || list.Any(s => s is null))
        {
            throw new ArgumentException("A pipeline needs at least one step.", nameof(steps));
        }

        return new VisionPipeline(list, [], 0f, 4);
    }

    /// <summary>Appends a whole-image step.</summary>
    /// <param name="step">The step.</param>
    /// <returns>A new pipeline.</returns>
    public VisionPipeline Then(VisionStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new VisionPipeline([.. Steps, step], FollowUps, CropPadding, MaxConcurrency);
    }

    /// <summary>Declares the follow-up steps run on each found object's crop (replacing earlier ones).</summary>
    /// <param name="configure">Adds the follow-ups, for example <c>o =&gt; o.Caption("en").Ocr()</c>.</param>
    /// <returns>A new pipeline.</returns>
    /// <exception cref="ArgumentException">A follow-up is a detect or segment step (follow-ups answer with text).</exception>
    public VisionPipeline ForEachObject(Action<ObjectSteps> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new ObjectSteps();
        configure(builder);
        return ForEachObject(builder.Steps);
    }

    /// <summary>Declares the follow-up steps run on each found object's crop (replacing earlier ones).</summary>
    /// <param name="followUps">Caption, OCR or answer steps.</param>
    /// <returns>A new pipeline.</returns>
    public VisionPipeline ForEachObject(IEnumerable<VisionStep> followUps)
    {
        ArgumentNullException.ThrowIfNull(followUps);
        VisionStep[] list = [.. followUps];
        if (list.Any(s => s is null || s.FindsObjects))
        {
            throw new ArgumentException("Per-object follow-ups are caption, OCR or answer steps.", nameof(followUps));
        }

        return new VisionPipeline(Steps, list, CropPadding, MaxConcurrency);
    }

    /// <summary>Sets the padding added around each box before cropping.</summary>
    /// <param name="fraction">A fraction of the box's width (left and right) and height (top and bottom), 0 to 4.</param>
    /// <returns>A new pipeline.</returns>
    public VisionPipeline WithCropPadding(float fraction)
    {
        if (!float.IsFinite(fraction) || fraction < 0 || fraction > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The padding is a fraction from 0 to 4.");
        }

        return new VisionPipeline(Steps, FollowUps, fraction, MaxConcurrency);
    }

    /// <summary>Sets the most follow-up requests in flight at once.</summary>
    /// <param name="maxConcurrency">1 or more.</param>
    /// <returns>A new pipeline.</returns>
    public VisionPipeline WithMaxConcurrency(int maxConcurrency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        return new VisionPipeline(Steps, FollowUps, CropPadding, maxConcurrency);
    }

    /// <summary>Runs the pipeline on one image.</summary>
    /// <param name="vision">The typed PaliGemma client.</param>
    /// <param name="image">The image (<c>image/*</c>).</param>
    /// <param name="cancellationToken">Stops the run between steps (and is passed to each call).</param>
    /// <returns>The result tree.</returns>
    /// <exception cref="PaliGemmaImageException">The image cannot be read.</exception>
    public async Task<VisionPipelineResult> RunAsync(IPaliGemmaVision vision, DataContent image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vision);
        ArgumentNullException.ThrowIfNull(image);
        var loadOptions = new ImageLoadOptions();
        ImageInfo info = SafeImageDecoder.Identify(image.Data.Span, loadOptions, "the image");
        int width = info.Width, height = info.Height;
        var answers = new List<VisionAnswer>();
        var found = new List<(string Label, BoundingBox Box, string Step, SegmentationMask? Mask)>();
        foreach (VisionStep step in Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (step.Kind)
            {
                case VisionStepKind.Detect:
                    DetectionResult detected = await vision.DetectAsync(image, step.Labels, cancellationToken).ConfigureAwait(false);
                    (width, height) = (detected.ImageWidth, detected.ImageHeight);
                    found.AddRange(detected.Objects.Select(o => (o.Label, o.Box, step.Prompt, (SegmentationMask?)null)));
                    break;
                case VisionStepKind.Segment:
                    SegmentationResult segmented = await vision.SegmentAsync(image, step.Labels, cancellationToken).ConfigureAwait(false);
                    (width, height) = (segmented.ImageWidth, segmented.ImageHeight);
                    found.AddRange(segmented.Objects.Select(o => (o.Label, o.Box, step.Prompt, o.Mask)));
                    break;
                default:
                    answers.Add(await AskAsync(vision, image, step, cancellationToken).ConfigureAwait(false));
                    break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (FollowUps.Count == 0 || found.Count == 0)
        {
            return new VisionPipelineResult(width, height, answers, [.. found.Select(f => new VisionObject(f.Label, f.Box, f.Step, f.Mask, null, []))]);
        }

        RgbImage pixels = SafeImageDecoder.Decode(image.Data.Span, loadOptions, "the image");
        var objects = new VisionObject[found.Count];
        using var gate = new SemaphoreSlim(MaxConcurrency);
        var tasks = new List<Task>(found.Count);
        for (int i = 0; i < found.Count; i++)
        {
            int index = i;
            var (label, box, prompt, mask) = found[i];
            if (ImageCrops.Region(box, CropPadding, pixels.Width, pixels.Height) is not { } region)
            {
                objects[index] = new VisionObject(label, box, prompt, mask, null, []);
                continue;
            }

            var crop = new DataContent(ImageCrops.EncodePng(pixels, region), "image/png");
            var cropBox = new BoundingBox(region.Left, region.Top, region.Right, region.Bottom);
            tasks.Add(Task.Run(
                async () =>
                {
                    var followUps = new VisionAnswer[FollowUps.Count];
                    for (int k = 0; k < FollowUps.Count; k++)
                    {
                        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                        try
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            followUps[k] = await AskAsync(vision, crop, FollowUps[k], cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }

                    objects[index] = new VisionObject(label, box, prompt, mask, cropBox, followUps);
                },
                cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new VisionPipelineResult(width, height, answers, objects);
    }

    /// <summary>Runs the pipeline on an encoded image.</summary>
    /// <param name="vision">The typed PaliGemma client.</param>
    /// <param name="encodedImage">The encoded image bytes (PNG, JPEG, …).</param>
    /// <param name="cancellationToken">Stops the run between steps.</param>
    /// <returns>The result tree.</returns>
    public Task<VisionPipelineResult> RunAsync(IPaliGemmaVision vision, byte[] encodedImage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        return RunAsync(vision, new DataContent(encodedImage, "image/*"), cancellationToken);
    }

    private static async Task<VisionAnswer> AskAsync(IPaliGemmaVision vision, DataContent image, VisionStep step, CancellationToken cancellationToken)
    {
        TextResult result = step.Kind switch
        {
            VisionStepKind.Caption => await vision.CaptionAsync(image, step.Language, cancellationToken).ConfigureAwait(false),
            VisionStepKind.Ocr => await vision.OcrAsync(image, cancellationToken).ConfigureAwait(false),
            VisionStepKind.Answer => await vision.AnswerAsync(image, step.Question, step.Language, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"'{step.Prompt}' does not answer with text."),
        };
        return new VisionAnswer(step.Prompt, result.Text);
    }

    /// <summary>Collects the follow-up steps of <see cref="ForEachObject(Action{ObjectSteps})"/>.</summary>
    public sealed class ObjectSteps
    {
        internal ObjectSteps()
        {
        }

        internal List<VisionStep> Steps { get; } = [];

        /// <summary>Captions the object's crop.</summary>
        /// <param name="language">The language code.</param>
        /// <returns>This builder.</returns>
        public ObjectSteps Caption(string language = "en") => Add(VisionStep.Caption(language));

        /// <summary>Reads the text in the object's crop.</summary>
        /// <returns>This builder.</returns>
        public ObjectSteps Ocr() => Add(VisionStep.Ocr());

        /// <summary>Asks a question about the object's crop.</summary>
        /// <param name="question">The question.</param>
        /// <param name="language">The language code.</param>
        /// <returns>This builder.</returns>
        public ObjectSteps Answer(string question, string language = "en") => Add(VisionStep.Answer(question, language));

        private ObjectSteps Add(VisionStep step)
        {
            Steps.Add(step);
            return this;
        }
    }
}
