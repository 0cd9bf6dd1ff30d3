using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaliGemma.AI.Constraints;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AI;

/// <summary>
/// An <see cref="IChatClient"/> that runs a local PaliGemma model: one image plus a task prefix in, the model's
/// text out (streamed token by token).
/// </summary>
/// <remarks>
/// <para>
/// <b>Input.</b> PaliGemma is not a multi-turn chat model: only the <em>last user message</em> is used; earlier
/// messages, system messages and <see cref="ChatOptions.Instructions"/> are ignored. That message must hold
/// exactly one image — a <see cref="DataContent"/> with an <c>image/*</c> media type (a <c>data:</c> URI works
/// too), or a <see cref="UriContent"/> with a <c>file:</c> URI (only with
/// <see cref="PaliGemmaChatClientOptions.AllowFileImages"/>, under <see cref="PaliGemmaChatClientOptions.AllowedImageRoots"/>)
/// or an <c>https:</c> URI (only with <see cref="PaliGemmaChatClientOptions.AllowRemoteImages"/>, from
/// <see cref="PaliGemmaChatClientOptions.AllowedImageHosts"/>); every source is read by <see cref="ImageIntake"/>. The text is the
/// PaliGemma prefix (<c>"caption en"</c>, <c>"detect cat ; dog"</c>, …) on one line without <c>&lt;</c>/<c>&gt;</c>;
/// alternatively choose the task with <see cref="PaliGemmaChatOptionsExtensions.WithPaliGemmaTask"/> and leave the
/// text empty. Invalid requests throw <see cref="ArgumentException"/> or <see cref="NotSupportedException"/>
/// (tools, JSON output, remote images); undecodable or oversized images throw <see cref="PaliGemmaImageException"/>.
/// </para>
/// <para>
/// <b>Options.</b> <see cref="ChatOptions.MaxOutputTokens"/>, <see cref="ChatOptions.Temperature"/> (default 0 =
/// greedy), <see cref="ChatOptions.TopK"/>, <see cref="ChatOptions.TopP"/> and <see cref="ChatOptions.Seed"/>
/// (folded from 64 to 32 bits) map to the generator. <see cref="ChatOptions.StopSequences"/> are matched on the
/// decoded text across token boundaries; the sequence itself is not returned. <see cref="ChatOptions.ModelId"/>
/// is ignored (the client serves one model); penalties are ignored.
/// </para>
/// <para>
/// <b>Output.</b> Every update carries the response id, message id, creation time, model id and the assistant
/// role; the last one carries <see cref="UsageContent"/> and the <see cref="ChatFinishReason"/>:
/// <see cref="ChatFinishReason.Stop"/> for the end-of-sequence token or a stop sequence,
/// <see cref="ChatFinishReason.Length"/> when the token limit was reached. Input tokens are the full prompt
/// including the image tokens; output tokens count every generated token, including the stop token when the
/// model produced one (it is a decode step but never appears in the text).
/// </para>
/// <para>
/// <b>Concurrency.</b> The client is thread-safe. Up to <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/>
/// requests generate at once, the rest wait in order (optionally bounded by
/// <see cref="PaliGemmaChatClientOptions.MaxQueueLength"/>). Generation runs on the thread pool; cancellation is
/// honoured while waiting and between every token step, and the native generator is released before the
/// enumeration completes. Concurrent greedy requests share batched decode steps on the model (see
/// <see cref="PaliGemmaModelOptions.MaxBatchSize"/>). Vision features are cached per image (see
/// <see cref="PaliGemmaChatClientOptions.ImageFeatureCacheCapacity"/>).
/// </para>
/// </remarks>
public sealed partial class PaliGemmaChatClient : IChatClient
{
    /// <summary>The provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "paligemma";

    private readonly PaliGemmaModel _model;
    private readonly bool _ownsModel;
    private readonly PaliGemmaChatClientOptions _options;
    private readonly ImageLoadOptions _imageLoadOptions;
    private readonly ChatClientMetadata _metadata;
    private readonly ConcurrencyGate _gate;
    private readonly ImageFeatureProvider _features;
    private readonly ILogger _logger;
    private long _requests;
    private long _completed;
    private long _inputTokens;
    private long _outputTokens;
    private volatile bool _disposed;

    /// <summary>Initializes a new instance over a loaded model; the caller keeps ownership of the model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Client settings, or null for the defaults.</param>
    /// <param name="logger">A logger, or null for none.</param>
    public PaliGemmaChatClient(PaliGemmaModel model, PaliGemmaChatClientOptions? options = null, ILogger? logger = null)
        : this(model, options, logger, ownsModel: false)
    {
    }

    private PaliGemmaChatClient(PaliGemmaModel model, PaliGemmaChatClientOptions? options, ILogger? logger, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options?.Clone() ?? new PaliGemmaChatClientOptions();
        if (_options.MaxConcurrency < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxConcurrency, "PaliGemmaChatClientOptions.MaxConcurrency must be 0 (automatic) or at least 1.");
        }

        if (_options.MaxQueueLength is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxQueueLength, "PaliGemmaChatClientOptions.MaxQueueLength must be null (no limit) or at least 0.");
        }

        if (_options.ImageFeatureCacheCapacity < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.ImageFeatureCacheCapacity, "PaliGemmaChatClientOptions.ImageFeatureCacheCapacity must be at least 0 (0 disables the cache).");
        }

        _model = model;
        _ownsModel = ownsModel;
        _imageLoadOptions = _options.ImageLoadOptions ?? new ImageLoadOptions();
        MaxConcurrency = _options.MaxConcurrency == PaliGemmaChatClientOptions.AutomaticConcurrency ? model.MaxBatchSize : _options.MaxConcurrency;
        _gate = new ConcurrencyGate(MaxConcurrency, _options.MaxQueueLength);
        _logger = logger ?? NullLogger.Instance;
        _features = new ImageFeatureProvider(model, new ImageIntake(_options.ToImageSourceOptions(), _imageLoadOptions), _options.ImageFeatureCacheCapacity, _logger);
        _metadata = new ChatClientMetadata(ProviderName, new Uri(Path.GetFullPath(model.ModelPath)), model.ModelId);
    }

    /// <summary>
    /// Gets how many requests this client lets generate at once: <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/>, or
    /// when that is automatic, the model's <see cref="PaliGemmaModel.MaxBatchSize"/> (1 when it does not batch).
    /// </summary>
    public int MaxConcurrency { get; }

    /// <summary>Gets the model this client runs.</summary>
    public PaliGemmaModel Model => _model;

    /// <summary>Gets a snapshot of the client's counters (requests, tokens, vision-encoder runs, cache hits).</summary>
    public PaliGemmaChatStatistics Statistics => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _completed),
        _features.EncoderRuns,
        _features.Hits,
        _features.Misses,
        Interlocked.Read(ref _inputTokens),
        Interlocked.Read(ref _outputTokens),
        _gate.Running,
        _gate.Waiting);

    /// <summary>Loads a model folder and creates a client that owns (and disposes) the model.</summary>
    /// <param name="modelPath">The model folder (with <c>paligemma.json</c>).</param>
    /// <param name="modelOptions">Runtime settings (execution provider, threads), or null.</param>
    /// <param name="options">Client settings, or null.</param>
    /// <param name="logger">A logger, or null.</param>
    /// <returns>The client.</returns>
    public static PaliGemmaChatClient Load(string modelPath, PaliGemmaModelOptions? modelOptions = null, PaliGemmaChatClientOptions? options = null, ILogger? logger = null)
    {
        var model = PaliGemmaModel.Load(modelPath, WithConcurrency(modelOptions, options), logger);
        return CreateOwning(model, options, logger);
    }

    /// <summary>Loads a model folder asynchronously and creates a client that owns (and disposes) the model.</summary>
    /// <param name="modelPath">The model folder (with <c>paligemma.json</c>).</param>
    /// <param name="modelOptions">Runtime settings (execution provider, threads), or null.</param>
    /// <param name="options">Client settings, or null.</param>
    /// <param name="logger">A logger, or null.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The client.</returns>
    public static async Task<PaliGemmaChatClient> LoadAsync(string modelPath, PaliGemmaModelOptions? modelOptions = null, PaliGemmaChatClientOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        PaliGemmaModelOptions effective = WithConcurrency(modelOptions, options);
        var model = await Task.Run(() => PaliGemmaModel.Load(modelPath, effective, logger), cancellationToken).ConfigureAwait(false);
        return CreateOwning(model, options, logger);
    }

    /// <summary>
    /// The model options with <see cref="PaliGemmaModelOptions.ConcurrentGenerations"/> taken from the client's
    /// <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/> when the caller left it at 1 and set the concurrency (above 1),
    /// so that automatic thread counts split the cores between concurrent generations. Automatic concurrency runs one
    /// batch (or one request) at a time, so it leaves all cores to it.
    /// </summary>
    private static PaliGemmaModelOptions WithConcurrency(PaliGemmaModelOptions? modelOptions, PaliGemmaChatClientOptions? options)
    {
        PaliGemmaModelOptions effective = modelOptions?.Clone() ?? new PaliGemmaModelOptions();
        if (effective.ConcurrentGenerations == 1 && options is { MaxConcurrency: > 1 })
        {
            effective.ConcurrentGenerations = options.MaxConcurrency;
        }

        return effective;
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StreamAsync(messages, options, cancellationToken);
    }

    /// <summary>Drops every cached vision feature.</summary>
    public void ClearImageFeatureCache() => _features.Clear();

    /// <summary>
    /// Returns, for an unkeyed request: <see cref="ChatClientMetadata"/>, the <see cref="PaliGemmaModel"/>, the
    /// <see cref="PaliGemmaChatStatistics"/>, the model's <see cref="MaskDecoder"/> (null when the model folder has none),
    /// or this client; otherwise null.
    /// </summary>
    /// <param name="serviceType">The type of service requested.</param>
    /// <param name="serviceKey">A key; keyed requests return null.</param>
    /// <returns>The service, or null.</returns>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return
            serviceKey is not null ? null :
            serviceType == typeof(ChatClientMetadata) ? _metadata :
            serviceType == typeof(PaliGemmaModel) ? _model :
            serviceType == typeof(MaskDecoder) ? _model.MaskDecoder :
            serviceType == typeof(PaliGemmaChatStatistics) ? Statistics :
            serviceType.IsInstanceOfType(this) ? this :
            null;
    }

    /// <summary>Disposes the client, and the model when the client was created by <see cref="Load"/>/<see cref="LoadAsync"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    private static PaliGemmaChatClient CreateOwning(PaliGemmaModel model, PaliGemmaChatClientOptions? options, ILogger? logger)
    {
        try
        {
            return new PaliGemmaChatClient(model, options, logger, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long requestStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var request = ChatRequestReader.Read(messages, options);
        var settings = GenerationSettingsMapper.Map(options) with { Constraint = ResolveConstraint(request.Prefix, options) };
        _model.ThrowIfUnknownAdapter(settings.Adapter);
        var stopMatcher = new StopSequenceMatcher(options?.StopSequences);
        var promptIds = _model.BuildPromptIds(request.Prefix);

        long queued = System.Diagnostics.Stopwatch.GetTimestamp();
        using var slot = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _inputTokens, promptIds.Length);

        // The intake stage, once: read the source (inside the gate, so downloads are bounded by it), decode, encode, cache.
        long admitted = System.Diagnostics.Stopwatch.GetTimestamp();
        var (features, reused) = await _features.GetWithSourceAsync(request.Image, settings.Adapter, cancellationToken).ConfigureAwait(false);
        long encoded = System.Diagnostics.Stopwatch.GetTimestamp();
        var update = new UpdateFactory(_model.ModelId);
        var run = new GenerationRun(this, features, promptIds, settings, stopMatcher) { RequestStart = requestStart };
        using var stopGeneration = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Generate blocks its thread (native steps, or waiting for a batch to form and step): a dedicated thread keeps
        // concurrent requests from starving the thread pool, which would delay the very requests a batch waits for.
        var producer = Task.Factory.StartNew(() => run.ProduceAsync(stopGeneration.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        GenerationOutcome outcome;
        try
        {
            await foreach (var piece in run.Pieces.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // ReadAllAsync drains buffered pieces without looking at the token; stop at once instead.
                cancellationToken.ThrowIfCancellationRequested();
                yield return update.Text(piece);
            }

            outcome = await producer.ConfigureAwait(false);
        }
        finally
        {
            // Stop the producer (when the caller cancelled or stopped enumerating) and wait for it, so the native
            // generator is disposed before the slot is released.
            await stopGeneration.CancelAsync().ConfigureAwait(false);
            await ((Task)producer).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        slot.Dispose(); // free the slot before handing out the last update (disposing twice is harmless)
        Interlocked.Increment(ref _completed);
        Log.Completed(_logger, promptIds.Length, outcome.OutputTokens, outcome.FinishReason.Value);
        var metrics = new PaliGemmaRequestMetrics(
            System.Diagnostics.Stopwatch.GetElapsedTime(queued, admitted),
            System.Diagnostics.Stopwatch.GetElapsedTime(admitted, encoded),
            reused,
            outcome.FirstToken == 0 ? null : System.Diagnostics.Stopwatch.GetElapsedTime(requestStart, outcome.FirstToken),
            System.Diagnostics.Stopwatch.GetElapsedTime(requestStart, outcome.LastToken),
            promptIds.Length,
            outcome.OutputTokens);
        PaliGemmaRequestMetrics.Publish(metrics);
        yield return update.Final(promptIds.Length, outcome, metrics);
    }

    /// <summary>
    /// The output grammar of a request, or null: typed detect/segment tasks are constrained when
    /// <see cref="PaliGemmaChatClientOptions.ConstrainTypedTasks"/> is on; a request's own switch wins; raw prompts only
    /// when asked; allowed answers constrain an answer task unless switched off.
    /// </summary>
    private PaliGemmaOutputConstraint? ResolveConstraint(string prefix, ChatOptions? options)
    {
        bool? asked = options.GetPaliGemmaConstrainedDecoding();
        IReadOnlyList<string>? answers = options.GetPaliGemmaAllowedAnswers();
        PaliGemmaTask? typed = options.GetPaliGemmaTask();
        if (asked == false)
        {
            return null;
        }

        bool hasAnswers = answers is { Count: > 0 };
        PaliGemmaTask? task = typed ?? (PaliGemmaTask.TryParse(prefix, out var parsed) ? parsed : null);
        if (hasAnswers && task?.Kind != PaliGemmaTaskKind.Answer)
        {
            throw new ArgumentException($"Allowed answers were given, but the request's task \"{prefix}\" is not an answer task.", nameof(options));
        }

        bool grammarTask = task?.Kind is PaliGemmaTaskKind.Detect or PaliGemmaTaskKind.Segment || hasAnswers;
        if (asked == true && !grammarTask)
        {
            throw new ArgumentException(
                $"Constrained decoding was requested, but the task \"{prefix}\" has no output grammar: only detect, segment and answer with allowed answers (WithPaliGemmaAllowedAnswers) can be constrained.",
                nameof(options));
        }

        bool on = asked == true || hasAnswers || (typed is not null && _options.ConstrainTypedTasks);
        return on && grammarTask ? _model.CreateOutputConstraint(task!, answers) : null;
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Debug, "PaliGemma request finished: {InputTokens} input tokens, {OutputTokens} output tokens, finish reason {FinishReason}.")]
        public static partial void Completed(ILogger logger, int inputTokens, int outputTokens, string finishReason);
    }
}
