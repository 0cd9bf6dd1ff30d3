using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PaliGemma.AI;

/// <summary>
/// PaliGemma's own OpenTelemetry signals: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="Name"/> (<c>"PaliGemma"</c>). Export them with <c>tracing.AddSource("PaliGemma")</c> and
/// <c>metrics.AddMeter("PaliGemma")</c>.
/// </summary>
/// <remarks>
/// <para>Spans: <c>paligemma.model.load</c>, <c>paligemma.image.preprocess</c>, <c>paligemma.vision.encode</c>,
/// <c>paligemma.prefill</c> and <c>paligemma.decode</c>, with <c>gen_ai.request.model</c> and
/// <c>gen_ai.operation.name</c> (<c>chat</c>) where they apply.</para>
/// <para>Instruments (OpenTelemetry gen_ai semantic-convention names where one exists):
/// <c>gen_ai.client.token.usage</c> (histogram, <c>{token}</c>, <c>gen_ai.token.type</c> = <c>input</c> / <c>output</c>),
/// <c>gen_ai.server.time_to_first_token</c> (s), <c>gen_ai.server.time_per_output_token</c> (s),
/// <c>gen_ai.server.request.duration</c> (s), and PaliGemma's own <c>paligemma.vision.encode.duration</c> (s),
/// <c>paligemma.prefill.duration</c> (s), <c>paligemma.model.load.duration</c> (s),
/// <c>paligemma.image_cache.hits</c> and <c>paligemma.image_cache.misses</c> (counters), <c>paligemma.queue.wait.duration</c> (s)
/// and <c>paligemma.queue.length</c> (up-down counter of requests waiting for a generation slot).</para>
/// </remarks>
public static class PaliGemmaTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "PaliGemma";

    /// <summary>The <c>gen_ai.operation.name</c> of a PaliGemma request.</summary>
    internal const string OperationName = "chat";

    internal static readonly ActivitySource Source = new(Name, typeof(PaliGemmaTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(PaliGemmaTelemetry).Assembly.GetName().Version?.ToString());

    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536];

    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    internal static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", "{token}", "Input and output tokens of a PaliGemma request.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. TokenBuckets.Select(b => (long)b)] });

    internal static readonly Histogram<double> TimeToFirstToken = Seconds("gen_ai.server.time_to_first_token", "Time from a request entering the client (queue wait and vision encoding included) to its first output token.");

    internal static readonly Histogram<double> TimePerOutputToken = Seconds("gen_ai.server.time_per_output_token", "Time per output token after the first.");

    internal static readonly Histogram<double> RequestDuration = Seconds("gen_ai.server.request.duration", "Duration of a PaliGemma request, queue wait included, to its last token.");

    internal static readonly Histogram<double> VisionEncodeDuration = Seconds("paligemma.vision.encode.duration", "Duration of one run of the vision encoder (SigLIP + projector).");

    internal static readonly Histogram<double> PrefillDuration = Seconds("paligemma.prefill.duration", "Duration of the prefill (the whole prompt, image tokens included, in one pass).");

    internal static readonly Histogram<double> ModelLoadDuration = Seconds("paligemma.model.load.duration", "Duration of loading a model folder.");

    internal static readonly Histogram<double> QueueWaitDuration = Seconds("paligemma.queue.wait.duration", "Time a request waited for a generation slot.");

    internal static readonly Counter<long> ImageCacheHits = Meter.CreateCounter<long>(
        "paligemma.image_cache.hits", "{request}", "Requests whose vision features came from the cache or from an encoding already running.");

    internal static readonly Counter<long> ImageCacheMisses = Meter.CreateCounter<long>(
        "paligemma.image_cache.misses", "{request}", "Requests that ran the vision encoder.");

    internal static readonly UpDownCounter<long> QueueLength = Meter.CreateUpDownCounter<long>(
        "paligemma.queue.length", "{request}", "Requests waiting for a generation slot.");

    /// <summary>Starts the model-load span and timer.</summary>
    internal static Scope ModelLoad(string path, string provider) => Start(
        "paligemma.model.load", ModelLoadDuration, new TagList { { "paligemma.model.path", path }, { "paligemma.execution_provider", provider } });

    /// <summary>Starts the image-preprocess span (decode, resize, normalise).</summary>
    internal static Scope Preprocess(int imageSize) => Start("paligemma.image.preprocess", null, new TagList { { "paligemma.image.size", imageSize } });

    /// <summary>Starts the vision-encode span and timer.</summary>
    internal static Scope VisionEncode(string modelId) => Start("paligemma.vision.encode", VisionEncodeDuration, ModelTags(modelId));

    /// <summary>Records an image-cache lookup.</summary>
    internal static void ImageCache(string modelId, bool hit) => (hit ? ImageCacheHits : ImageCacheMisses).Add(1, ModelTags(modelId));

    /// <summary>Starts one generation: the prefill span now, the decode span at the first token.</summary>
    /// <param name="modelId">The model id.</param>
    /// <param name="promptTokens">Prompt tokens (input usage).</param>
    /// <param name="requestStart">Stopwatch timestamp when the request entered the client (0 = now).</param>
    /// <returns>The generation's telemetry; call <see cref="Generation.Token"/> per token, <see cref="Generation.Completed"/> at the end, dispose it.</returns>
    internal static Generation StartGeneration(string modelId, int promptTokens, long requestStart) => new(modelId, promptTokens, requestStart);

    /// <summary>A request starts waiting for a slot; dispose the result when it got one (or gave up).</summary>
    internal static QueueWait EnterQueue() => new(Stopwatch.GetTimestamp());

    /// <summary>A request got a slot at once (a zero queue wait).</summary>
    internal static void NoQueueWait() => QueueWaitDuration.Record(0);

    private static TagList ModelTags(string modelId) => new() { { "gen_ai.operation.name", OperationName }, { "gen_ai.request.model", modelId } };

    private static Histogram<double> Seconds(string name, string description)
        => Meter.CreateHistogram<double>(name, "s", description, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    private static Scope Start(string spanName, Histogram<double>? duration, TagList tags)
    {
        Activity? activity = Source.HasListeners() ? Source.StartActivity(spanName, ActivityKind.Internal, default(ActivityContext), tags) : null;
        return new Scope(activity, duration, tags, Stopwatch.GetTimestamp());
    }

    /// <summary>A span plus a duration histogram, ended together by <see cref="Dispose"/>; an exception sets the span's error status via <see cref="Fail"/>.</summary>
    internal sealed class Scope : IDisposable
    {
        private readonly Histogram<double>? _duration;
        private readonly TagList _tags;
        private readonly long _start;
        private int _ended;

        internal Scope(Activity? activity, Histogram<double>? duration, TagList tags, long start)
        {
            Activity = activity;
            _duration = duration;
            _tags = tags;
            _start = start;
        }

        /// <summary>The span, when someone listens.</summary>
        public Activity? Activity { get; }

        /// <summary>Marks the span failed.</summary>
        public void Fail(Exception exception)
        {
            Activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            Activity?.SetTag("error.type", exception.GetType().FullName);
        }

        /// <summary>Ends the span and records the duration.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            _duration?.Record(Stopwatch.GetElapsedTime(_start).TotalSeconds, _tags);
            Activity?.Dispose();
        }
    }

    /// <summary>One request waiting in the queue: counted in <c>paligemma.queue.length</c> until disposed, then its wait is recorded.</summary>
    internal readonly struct QueueWait : IDisposable
    {
        private readonly long _start;

        internal QueueWait(long start)
        {
            _start = start;
            QueueLength.Add(1);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            QueueLength.Add(-1);
            QueueWaitDuration.Record(Stopwatch.GetElapsedTime(_start).TotalSeconds);
        }
    }

    /// <summary>One generation's spans and instruments.</summary>
    internal sealed class Generation : IDisposable
    {
        private readonly string _modelId;
        private readonly int _promptTokens;
        private readonly long _requestStart;
        private readonly Scope _prefill;
        private Scope? _decode;
        private long _firstToken;

        internal Generation(string modelId, int promptTokens, long requestStart)
        {
            _modelId = modelId;
            _promptTokens = promptTokens;
            _requestStart = requestStart == 0 ? Stopwatch.GetTimestamp() : requestStart;
            _prefill = Start("paligemma.prefill", PrefillDuration, ModelTags(modelId));
            _prefill.Activity?.SetTag("gen_ai.usage.input_tokens", promptTokens);
        }

        /// <summary>A token came out; the first ends the prefill and starts the decode span.</summary>
        public void Token()
        {
            if (_firstToken != 0)
            {
                return;
            }

            _firstToken = Stopwatch.GetTimestamp();
            _prefill.Dispose();
            _decode = Start("paligemma.decode", null, ModelTags(_modelId));
        }

        /// <summary>Records the end of a generation: token usage, time to first token (from the request's start), time per output token.</summary>
        /// <param name="outputTokens">Generated tokens, as the usage reports them.</param>
        /// <param name="finishReason">The finish reason.</param>
        public void Completed(int outputTokens, string finishReason)
        {
            long now = Stopwatch.GetTimestamp();
            TagList tags = ModelTags(_modelId);
            TagList input = tags;
            input.Add("gen_ai.token.type", "input");
            TokenUsage.Record(_promptTokens, input);
            TagList output = tags;
            output.Add("gen_ai.token.type", "output");
            TokenUsage.Record(outputTokens, output);
            RequestDuration.Record(Stopwatch.GetElapsedTime(_requestStart, now).TotalSeconds, tags);
            if (_firstToken != 0)
            {
                TimeToFirstToken.Record(Stopwatch.GetElapsedTime(_requestStart, _firstToken).TotalSeconds, tags);
                if (outputTokens > 1)
                {
                    TimePerOutputToken.Record(Stopwatch.GetElapsedTime(_firstToken, now).TotalSeconds / (outputTokens - 1), tags);
                }
            }

            Activity? span = _decode?.Activity ?? _prefill.Activity;
            span?.SetTag("gen_ai.usage.output_tokens", outputTokens);
            span?.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
        }

        /// <summary>Ends the open spans.</summary>
        public void Dispose()
        {
            _prefill.Dispose();
            _decode?.Dispose();
        }
    }
}
