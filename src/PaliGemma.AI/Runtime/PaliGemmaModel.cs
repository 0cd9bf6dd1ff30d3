using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaliGemma.AI.Constraints;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// A loaded PaliGemma model folder: the vision encoder (<c>vision.onnx</c> on ONNX Runtime), the decoder
/// (<c>decoder.onnx</c> on ONNX Runtime GenAI) and the tokenizer. Thread-safe: any number of
/// <see cref="EncodeImage"/> and <see cref="Generate"/> calls may run concurrently on one instance.
/// </summary>
/// <remarks>
/// A request runs in two stages: <see cref="EncodeImage"/> turns a preprocessed image into image features,
/// then <see cref="Generate"/> runs the decoder on the prompt ids from <see cref="BuildPromptIds"/> with those
/// features merged at the <c>&lt;image&gt;</c> positions. Every <see cref="Generate"/> call uses a fresh
/// ONNX Runtime GenAI generator, shared with other greedy calls that arrive at the same time (batched generation, see
/// <see cref="PaliGemmaModelOptions.MaxBatchSize"/>).
/// </remarks>
public sealed class PaliGemmaModel : IDisposable
{
    private readonly ModelFolder _folder;
    private readonly VisionEncoder _vision;
    private readonly DecoderEngine _decoder;
    private readonly ModelTokenizer _tokenizer;
    private readonly UsageGuard _guard;
    private readonly DecoderBatcher? _batcher;
    private readonly ThreadSettings _threads;

    private PaliGemmaModel(ModelFolder folder, VisionEncoder vision, DecoderEngine decoder, ModelTokenizer tokenizer, MaskDecoder? maskDecoder, PaliGemmaModelOptions options, ThreadSettings threads)
    {
        _folder = folder;
        _threads = threads;
        _vision = vision;
        _decoder = decoder;
        _tokenizer = tokenizer;
        MaskDecoder = maskDecoder;
        _guard = new UsageGuard(ReleaseNative, nameof(PaliGemmaModel));
        if (options.MaxBatchSize > 1 && folder.Manifest.FormatVersion >= PaliGemmaManifest.BatchingFormatVersion)
        {
            _batcher = new DecoderBatcher(decoder, _guard, folder.Manifest, options.MaxBatchSize, options.BatchWindow);
        }
    }

    /// <summary>
    /// Loads and validates a model folder (see docs/model-format.md): the manifest, every file it names, the
    /// ONNX Runtime GenAI configuration, the graphs' inputs and outputs and the tokenizer's special ids; when the
    /// manifest names a mask decoder (<c>files.mask_decoder</c>), it is loaded too (see <see cref="MaskDecoder"/>).
    /// </summary>
    /// <param name="modelPath">The model folder.</param>
    /// <param name="options">Execution provider and threading; null = CPU defaults.</param>
    /// <returns>The loaded model; dispose it to free native memory.</returns>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is empty or the options are invalid
    /// (for example an unknown execution provider).</exception>
    /// <exception cref="PaliGemmaModelException">A file of the folder is missing, empty, unreadable or
    /// inconsistent; <see cref="PaliGemmaModelException.FilePath"/> names it. Also when the native ONNX Runtime
    /// GenAI library is missing: the message names the package to add (<c>Microsoft.ML.OnnxRuntimeGenAI</c> for
    /// CPUs, <c>Microsoft.ML.OnnxRuntimeGenAI.Cuda</c> for NVIDIA GPUs).</exception>
    public static PaliGemmaModel Load(string modelPath, PaliGemmaModelOptions? options = null) => Load(modelPath, options, logger: null);

    /// <summary>
    /// Loads and validates a model folder as <see cref="Load(string, PaliGemmaModelOptions?)"/> does, and logs the
    /// load (Information: folder, provider, precision, threads, time), the thread count chosen and, for a float16
    /// folder on the CPU provider, a warning with its measured cost and the conversion that avoids it.
    /// </summary>
    /// <param name="modelPath">The model folder.</param>
    /// <param name="options">Execution provider and threading; null = CPU defaults.</param>
    /// <param name="logger">A logger, or null for <see cref="PaliGemmaModelOptions.Logger"/>.</param>
    /// <returns>The loaded model; dispose it to free native memory.</returns>
    /// <exception cref="ArgumentException"><paramref name="modelPath"/> is empty or the options are invalid.</exception>
    /// <exception cref="PaliGemmaModelException">A file of the folder is missing, empty, unreadable or inconsistent,
    /// or the native ONNX Runtime GenAI library is missing (the message names the package to add).</exception>
    public static PaliGemmaModel Load(string modelPath, PaliGemmaModelOptions? options, ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        options ??= new PaliGemmaModelOptions();
        logger ??= options.Logger ?? NullLogger.Instance;
        using var telemetry = PaliGemmaTelemetry.ModelLoad(modelPath, options.ExecutionProvider);
        try
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            PaliGemmaModel model = LoadCore(modelPath, options, logger, out int generators);
            LoadLog.Loaded(options, logger, model, model._threads, generators, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return model;
        }
        catch (Exception ex) when (NativeRuntimeCheck.IsMissingNativeLibrary(ex, out var missing))
        {
            telemetry.Fail(ex);
            throw NativeRuntimeCheck.MissingRuntime(missing!, ex);
        }
    }

    private static PaliGemmaModel LoadCore(string modelPath, PaliGemmaModelOptions options, ILogger logger, out int generators)
    {
        ExecutionProvider provider = ExecutionProviders.Parse(options.ExecutionProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpNumThreads, "options.IntraOpNumThreads");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1, "options.MaxBatchSize");
        if (options.BatchWindow < TimeSpan.Zero || options.BatchWindow > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException("options.BatchWindow", options.BatchWindow, "BatchWindow must be between zero and one second.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConcurrentGenerations, 1, "options.ConcurrentGenerations");

        options.Progress?.Report(new PaliGemmaLoadProgress(1, LoadLog.Steps, "model folder"));
        ModelFolder folder = ModelFolder.Open(modelPath);
        GenAiConfigValidator.Validate(folder);
        generators = ConcurrentGenerators(options, folder.Manifest);
        ThreadSettings threads = ThreadSettings.Resolve(options.IntraOpNumThreads, generators, options.AllowSpinning, Environment.ProcessorCount);
        if (provider == ExecutionProvider.Cpu && IsFloat16(folder.Manifest.Precision))
        {
            LoadLog.Float16OnCpu(logger, folder.Root, LoadLog.FolderBytes(folder.Root));
        }

        MaskDecoder? maskDecoder = folder.MaskDecoderPath is { } maskPath ? LoadMaskDecoder(maskPath) : null;
        VisionEncoder? vision = null;
        DecoderEngine? decoder = null;
        try
        {
            options.Progress?.Report(new PaliGemmaLoadProgress(2, LoadLog.Steps, "decoder"));
            decoder = DecoderEngine.Create(folder, provider, threads);
            options.Progress?.Report(new PaliGemmaLoadProgress(3, LoadLog.Steps, "tokenizer"));
            ModelTokenizer tokenizer = ModelTokenizer.Create(decoder.Model, folder);
            try
            {
                options.Progress?.Report(new PaliGemmaLoadProgress(4, LoadLog.Steps, "vision encoder"));
                var visionAdapters = folder.Adapters.Where(a => a.Value.Vision is not null).ToDictionary(a => a.Key, a => a.Value.Vision!, StringComparer.Ordinal);
                vision = VisionEncoder.Create(folder.VisionPath, folder.Manifest, provider, threads, visionAdapters);
            }
            catch
            {
                tokenizer.Dispose();
                throw;
            }

            return new PaliGemmaModel(folder, vision, decoder, tokenizer, maskDecoder, options, threads);
        }
        catch
        {
            vision?.Dispose();
            decoder?.Dispose();
            maskDecoder?.Dispose();
            throw;
        }
    }

    /// <summary>Loads and validates a model folder on a thread-pool thread; see <see cref="Load(string, PaliGemmaModelOptions?)"/>.</summary>
    /// <param name="modelPath">The model folder.</param>
    /// <param name="options">Execution provider and threading; null = CPU defaults.</param>
    /// <param name="cancellationToken">Cancels the wait before loading starts.</param>
    /// <returns>The loaded model.</returns>
    public static Task<PaliGemmaModel> LoadAsync(string modelPath, PaliGemmaModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return Task.Run(() => Load(modelPath, options), cancellationToken);
    }

    /// <summary>
    /// Gets the intra-op thread count the vision and decoder sessions use: <see cref="PaliGemmaModelOptions.IntraOpNumThreads"/>
    /// when it was set, otherwise the available cores divided by <see cref="PaliGemmaModelOptions.ConcurrentGenerations"/>.
    /// </summary>
    public int IntraOpNumThreads => _threads.IntraOpThreads;

    /// <summary>Whether the vision session's worker threads spin before sleeping (bench diagnostics).</summary>
    internal bool AllowSpinning => _threads.AllowSpinning;

    /// <summary>The full path of the model folder.</summary>
    public string ModelPath => _folder.Root;

    /// <summary>The folder's validated manifest.</summary>
    public PaliGemmaManifest Manifest => _folder.Manifest;

    /// <summary>The model id from the manifest.</summary>
    public string ModelId => _folder.Manifest.ModelId;

    /// <summary>Square input resolution in pixels (224, 448 or 896 for released checkpoints).</summary>
    public int ImageSize => _folder.Manifest.ImageSize;

    /// <summary>Number of <c>&lt;image&gt;</c> tokens (= image feature rows) per image.</summary>
    public int NumImageTokens => _folder.Manifest.NumImageTokens;

    /// <summary>
    /// Gets the segmentation mask decoder of the folder (<c>mask_decoder.onnx</c>, named by the manifest's
    /// <c>files.mask_decoder</c>), or <see langword="null"/> when the folder has none: then <c>segment</c> results carry
    /// boxes and codes but no masks. Thread-safe; owned and disposed by this model (do not dispose it yourself).
    /// </summary>
    public MaskDecoder? MaskDecoder { get; }

    /// <summary>Why decoding falls back to ONNX Runtime GenAI's decoder (an unsupported <c>tokenizer.json</c> decoder chain); null when it does not.</summary>
    internal string? DecoderFallbackReason => _tokenizer.DecoderFallbackReason;

    /// <summary>How many times the vision graph has run on this instance.</summary>
    public long VisionEncoderRuns => _vision.Runs;

    /// <summary>
    /// Runs the vision encoder on one preprocessed image with a run-time LoRA adapter active (or none). Thread-safe.
    /// </summary>
    /// <param name="pixelValues">CHW pixels, length 3 × <see cref="ImageSize"/>², scaled to [-1, 1].</param>
    /// <param name="adapter">A name from <see cref="AdapterNames"/>, or null (default) for the base model. An adapter that changes no
    /// vision-tower or projector layer gives the base model's features.</param>
    /// <returns>Row-major image features, length <see cref="NumImageTokens"/> × <see cref="PaliGemmaManifest.TextHiddenSize"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="pixelValues"/> has the wrong length, or the adapter is unknown.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public float[] EncodeImage(ReadOnlySpan<float> pixelValues, string? adapter = null)
    {
        ThrowIfUnknownAdapter(adapter);
        int expected = 3 * ImageSize * ImageSize;
        if (pixelValues.Length != expected)
        {
            throw new ArgumentException($"pixelValues has {pixelValues.Length} values; this model needs 3 × {ImageSize} × {ImageSize} = {expected} (CHW, [-1, 1]).", nameof(pixelValues));
        }

        _guard.Enter();
        try
        {
            using var telemetry = PaliGemmaTelemetry.VisionEncode(ModelId);
            return _vision.Encode(pixelValues, adapter);
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>Gets the names of the model folder's run-time LoRA adapters (<c>files.adapters</c> of the manifest); empty when it has none.</summary>
    public IReadOnlyList<string> AdapterNames => [.. _folder.Adapters.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether the adapter changes the vision features (it targets vision-tower or projector layers): such features are cached per adapter.</summary>
    internal bool AdapterChangesVision(string? adapter) => adapter is not null && _folder.Adapters.TryGetValue(adapter, out var paths) && paths.Vision is not null;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the adapter when it is not one of <see cref="AdapterNames"/>.</summary>
    internal void ThrowIfUnknownAdapter(string? adapter)
    {
        if (adapter is not null && !_folder.Adapters.ContainsKey(adapter))
        {
            string known = _folder.Adapters.Count == 0 ? "none" : string.Join(", ", AdapterNames.Select(n => $"'{n}'"));
            throw new ArgumentException($"Adapter '{adapter}' is not one of this model's run-time adapters ({known}).", nameof(adapter));
        }
    }

    /// <summary>
    /// Builds the prompt ids for one image and a prefix: <c>&lt;image&gt;</c> × <see cref="NumImageTokens"/>,
    /// <c>&lt;bos&gt;</c>, the prefix's tokens (no special tokens added), and the newline token.
    /// </summary>
    /// <param name="prefix">The task prefix, e.g. <c>"caption en"</c> or <c>"detect cat ; dog"</c>.</param>
    /// <returns>The prompt ids.</returns>
    public int[] BuildPromptIds(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        IReadOnlyList<int> text = Tokenize(prefix);
        PaliGemmaTokenIds ids = Manifest.TokenIds;
        var prompt = new int[NumImageTokens + 1 + text.Count + 1];
        prompt.AsSpan(0, NumImageTokens).Fill(ids.Image);
        prompt[NumImageTokens] = ids.Bos;
        for (int i = 0; i < text.Count; i++)
        {
            prompt[NumImageTokens + 1 + i] = text[i];
        }

        prompt[^1] = ids.Newline;
        return prompt;
    }

    /// <summary>Tokenizes plain text; no begin- or end-of-sequence token is added.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token ids.</returns>
    public IReadOnlyList<int> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        _guard.Enter();
        try
        {
            return _tokenizer.Encode(text);
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>
    /// Turns token ids into text as Hugging Face <c>tokenizers</c> does with the model's <c>tokenizer.json</c>.
    /// <c>&lt;locNNNN&gt;</c> and <c>&lt;segNNN&gt;</c> tokens are kept as text; special tokens (padding, begin- and
    /// end-of-sequence, <c>&lt;image&gt;</c>, …) and ids outside the tokenizer are dropped. A run of byte tokens (<c>&lt;0xNN&gt;</c>) that is not
    /// valid UTF-8 becomes one U+FFFD per byte and never changes the text around it.
    /// </summary>
    /// <param name="tokenIds">The ids.</param>
    /// <returns>The text.</returns>
    public string Decode(ReadOnlySpan<int> tokenIds)
    {
        _guard.Enter();
        try
        {
            return _tokenizer.Decode(tokenIds);
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>Creates an incremental detokeniser for streaming output; dispose it when the stream ends.</summary>
    /// <returns>A new decoder bound to this model's tokenizer.</returns>
    public PaliGemmaTextDecoder CreateTextDecoder()
    {
        _guard.Enter();
        try
        {
            return new PaliGemmaTextDecoder(_tokenizer.CreateStream(), () => _guard.IsDisposed);
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>
    /// Generates tokens for one prompt with a fresh generator. The whole prompt is fed in one prefill; then one
    /// token per step is produced until the end-of-sequence token, a manifest extra stop token, or
    /// <see cref="PaliGemmaGenerationSettings.MaxNewTokens"/>. Thread-safe; the enumeration is lazy and the
    /// native generator is freed when it ends, is cancelled or is disposed.
    /// </summary>
    /// <param name="imageFeatures">Features from <see cref="EncodeImage"/> (rows × hidden, row-major), one
    /// row per <c>&lt;image&gt;</c> id in <paramref name="promptIds"/>; empty for text-only prompts. The
    /// memory must not change while the enumeration runs.</param>
    /// <param name="promptIds">The prompt, typically from <see cref="BuildPromptIds"/>.</param>
    /// <param name="settings">Length and search settings.</param>
    /// <param name="cancellationToken">Checked before every step; cancellation throws
    /// <see cref="OperationCanceledException"/>.</param>
    /// <returns>The generated tokens; the last has <see cref="GeneratedToken.IsStop"/> set when a stop token
    /// ended generation.</returns>
    /// <exception cref="ArgumentException">The prompt is empty, longer than the manifest's maximum sequence
    /// length, its <c>&lt;image&gt;</c> count does not match the feature rows, or the settings are invalid.</exception>
    public IEnumerable<GeneratedToken> Generate(
        ReadOnlyMemory<float> imageFeatures,
        IReadOnlyList<int> promptIds,
        PaliGemmaGenerationSettings settings,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_guard.IsDisposed, this);
        var request = GenerationRequest.Create(Manifest, imageFeatures, promptIds, settings);
        return Run(request, cancellationToken);
    }

    /// <summary>
    /// Compiles the output grammar of a task for constrained decoding (pass it in
    /// <see cref="PaliGemmaGenerationSettings.Constraint"/>): for <c>detect</c> and <c>segment</c>, objects with exactly four
    /// location tokens (and sixteen mask tokens) and one of the task's labels; for <c>answer</c>, one of
    /// <paramref name="allowedAnswers"/>. Labels and answers are tokenized with this model's tokenizer as the model writes
    /// them. Thread-safe; the result can be reused.
    /// </summary>
    /// <param name="task">A detect, segment or answer task.</param>
    /// <param name="allowedAnswers">For an answer task: the answers the model may give (one line each, at most
    /// <see cref="MaxAllowedAnswers"/>); must be null or empty for other tasks.</param>
    /// <returns>The constraint.</returns>
    /// <exception cref="ArgumentException">The task has no grammar (caption, describe, OCR, question, or answer without
    /// allowed answers), allowed answers were given for another task, or an answer is empty, too many, or not one line
    /// without <c>&lt;</c>, <c>&gt;</c>.</exception>
    public PaliGemmaOutputConstraint CreateOutputConstraint(PaliGemmaTask task, IEnumerable<string>? allowedAnswers = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        string[] answers = allowedAnswers is null ? [] : [.. allowedAnswers];
        if (answers.Length > 0 && task.Kind != PaliGemmaTaskKind.Answer)
        {
            throw new ArgumentException($"Allowed answers apply to answer tasks only; the task is '{task.ToPrompt()}'.", nameof(allowedAnswers));
        }

        if (answers.Length > MaxAllowedAnswers)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{answers.Length} allowed answers were given; at most {MaxAllowedAnswers} are supported."), nameof(allowedAnswers));
        }

        for (int i = 0; i < answers.Length; i++)
        {
            answers[i] = PromptTextValidator.ValidateFreeText(answers[i], nameof(allowedAnswers));
        }

        PaliGemmaTokenIds ids = Manifest.TokenIds;
        var tokens = new Constraints.GrammarTokens(ids.LocStart, ids.SegStart, ids.Eos);
        Constraints.OutputGrammar grammar = task.Kind switch
        {
            PaliGemmaTaskKind.Detect or PaliGemmaTaskKind.Segment =>
                Constraints.OutputGrammar.ForObjects(tokens, task.Labels, task.Kind == PaliGemmaTaskKind.Segment, Tokenize),
            PaliGemmaTaskKind.Answer when answers.Length > 0 => Constraints.OutputGrammar.ForChoices(tokens, answers, Tokenize),
            PaliGemmaTaskKind.Answer => throw new ArgumentException("An answer task is constrained only to a list of allowed answers, and none was given.", nameof(allowedAnswers)),
            _ => throw new ArgumentException($"The task '{task.ToPrompt()}' has no output grammar; only detect, segment and answer (with allowed answers) can be constrained.", nameof(task)),
        };
        return new PaliGemmaOutputConstraint(task, task.Kind == PaliGemmaTaskKind.Answer ? Array.AsReadOnly(answers) : task.Labels, grammar, ModelId);
    }

    /// <summary>The most allowed answers <see cref="CreateOutputConstraint"/> accepts.</summary>
    public const int MaxAllowedAnswers = 1024;

    /// <summary>Runs only the prefill and returns the last position's logits (tests: the image reaches the decoder).</summary>
    internal float[] GetFirstStepLogits(ReadOnlyMemory<float> imageFeatures, IReadOnlyList<int> promptIds, string? adapter = null)
    {
        var request = GenerationRequest.Create(Manifest, imageFeatures, promptIds, new PaliGemmaGenerationSettings { MaxNewTokens = 1, Adapter = adapter });
        _guard.Enter();
        try
        {
            return _decoder.FirstStepLogits(request.Features, request.PromptIds, request.MaxLength, request.Settings);
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>The ONNX Runtime GenAI model behind <see cref="Generate"/> (benchmarks run their baseline loop over this same instance).</summary>
    internal Microsoft.ML.OnnxRuntimeGenAI.Model GenAiModel => _decoder.Model;

    /// <summary>
    /// Frees the sessions, the decoder model and the tokenizer once running calls have finished; waits (up to 30 s) for
    /// batched generations already running on the batcher's threads, so that the native objects are gone on return.
    /// </summary>
    public void Dispose()
    {
        _guard.Dispose();

        // A batch still running releases the native objects when it leaves; wait for it (bounded: a caller that abandons
        // an enumeration without disposing it keeps its own hold, and the release then happens when that one ends).
        _batcher?.WaitUntilIdle(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Gets a value indicating whether concurrent greedy <see cref="Generate"/> calls share batched generators (see
    /// <see cref="PaliGemmaModelOptions.MaxBatchSize"/>): false when batching is off or the folder predates
    /// <c>format_version</c> 2.
    /// </summary>
    public bool BatchingEnabled => _batcher is not null;

    /// <summary>
    /// Gets how many concurrent greedy requests one batched generator takes: <see cref="PaliGemmaModelOptions.MaxBatchSize"/>
    /// when <see cref="BatchingEnabled"/>, else 1. An automatic <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/> uses it.
    /// </summary>
    public int MaxBatchSize => _batcher?.MaxBatchSize ?? 1;

    /// <summary>Generators started by the batcher, and requests that ran in batches of two or more (tests, diagnostics).</summary>
    internal (long Batches, long BatchedRequests) BatchCounts => _batcher is null ? (0, 0) : (_batcher.Batches, _batcher.BatchedRequests);

    /// <summary>Test hook: holds every forming batch open until it is full or <paramref name="release"/> completes (see <see cref="DecoderBatcher.Hold"/>).</summary>
    internal void HoldBatchesUntil(Task release) =>
        (_batcher ?? throw new InvalidOperationException("Batching is off for this model.")).Hold = release;

    private IEnumerable<GeneratedToken> Run(GenerationRequest request, CancellationToken cancellationToken)
    {
        _guard.Enter();
        try
        {
            IEnumerable<GeneratedToken> tokens = _batcher is { } batcher && batcher.CanBatch(request)
                ? batcher.Generate(request, cancellationToken)
                : _decoder.Generate(request, cancellationToken);
            foreach (GeneratedToken token in tokens)
            {
                yield return token;
            }
        }
        finally
        {
            _guard.Exit();
        }
    }

    private static bool IsFloat16(string precision) => string.Equals(precision, PaliGemmaManifest.Float16Precision, StringComparison.Ordinal);

    /// <summary>
    /// How many generators run at once: the concurrent generations, except that batched greedy requests share one
    /// generator per batch of up to <see cref="PaliGemmaModelOptions.MaxBatchSize"/>, so the cores are split between
    /// batches rather than between requests.
    /// </summary>
    private static int ConcurrentGenerators(PaliGemmaModelOptions options, PaliGemmaManifest manifest) =>
        options.MaxBatchSize > 1 && manifest.FormatVersion >= PaliGemmaManifest.BatchingFormatVersion
            ? (options.ConcurrentGenerations + options.MaxBatchSize - 1) / options.MaxBatchSize
            : options.ConcurrentGenerations;

    private static MaskDecoder LoadMaskDecoder(string path)
    {
        try
        {
            return MaskDecoder.Load(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new PaliGemmaModelException(path, $"the mask decoder (files.mask_decoder) cannot be loaded: {ex.Message}", ex);
        }
    }

    private void ReleaseNative()
    {
        MaskDecoder?.Dispose();
        _vision.Dispose();
        _tokenizer.Dispose();
        _decoder.Dispose();
    }
}
