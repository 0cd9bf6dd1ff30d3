using System.Buffers;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.AI.Constraints;
using PaliGemma.AI.Runtime.Onnx;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// The decoder on ONNX Runtime GenAI: owns the <see cref="Config"/> and the shareable <see cref="Model"/> and
/// runs one generation per call with a fresh <see cref="Generator"/>. Thread-safe.
/// </summary>
internal sealed class DecoderEngine : IDisposable
{
    private static readonly float[] EmptyFeatures = new float[1];

    private readonly Config _config;
    private readonly Model _model;
    private readonly PaliGemmaManifest _manifest;
    private readonly bool _halfFeatures;
    private HashSet<int>? _stopIds;
    private Adapters? _adapters;
    private HashSet<string> _adapterNames = new(StringComparer.Ordinal);

    private DecoderEngine(Config config, Model model, PaliGemmaManifest manifest, bool halfFeatures)
    {
        _config = config;
        _model = model;
        _manifest = manifest;
        _halfFeatures = halfFeatures;
    }

    /// <summary>The ONNX Runtime GenAI model (shared with the tokenizer).</summary>
    public Model Model => _model;

    /// <summary>
    /// Checks the decoder graph's inputs, then creates the GenAI config and model. The intra-op thread count is
    /// always set: left unset, ONNX Runtime GenAI picks its own count (one thread on the two-core machine of issue 27,
    /// half the speed of two).
    /// </summary>
    public static DecoderEngine Create(ModelFolder folder, ExecutionProvider provider, ThreadSettings threadSettings)
    {
        bool halfFeatures = CheckDecoderInputs(folder.DecoderPath);

        Config? config = null;
        try
        {
            config = new Config(folder.Root);
            config.ClearProviders();
            if (provider == ExecutionProvider.Cuda)
            {
                config.AppendProvider("cuda");
            }

            string threads = threadSettings.IntraOpThreads.ToString(System.Globalization.CultureInfo.InvariantCulture);
            config.Overlay("{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":" + threads + "}}}}");
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            config?.Dispose();
            throw new PaliGemmaModelException(folder.GenAiConfigPath, $"ONNX Runtime GenAI rejects the configuration: {ex.Message}", ex);
        }

        try
        {
            var model = GenAiObjects.CreateModel(config);
            var engine = new DecoderEngine(config, model, folder.Manifest, halfFeatures);
            try
            {
                engine.LoadAdapters(folder);
            }
            catch
            {
                engine.Dispose();
                throw;
            }

            return engine;
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            config.Dispose();
            string hint = provider == ExecutionProvider.Cuda && ex.Message.Contains("cuda", StringComparison.OrdinalIgnoreCase)
                ? " — The CUDA provider needs the Microsoft.ML.OnnxRuntimeGenAI.Cuda package in the application, or use ExecutionProvider \"cpu\"."
                : string.Empty;
            string file = OnnxLoadErrors.FileAtFault(folder.DecoderPath, ex.Message);
            throw new PaliGemmaModelException(file, $"ONNX Runtime GenAI cannot load the decoder: {ex.Message.TrimEnd()}{hint}", ex);
        }
    }

    /// <summary>Loads the decoder files of the folder's run-time adapters into one ONNX Runtime GenAI <see cref="Adapters"/> container.</summary>
    private void LoadAdapters(ModelFolder folder)
    {
        foreach ((string name, ModelFolder.AdapterPaths paths) in folder.Adapters)
        {
            if (paths.Decoder is not { } file)
            {
                continue;
            }

            _adapters ??= new Adapters(_model);
            try
            {
                _adapters.LoadAdapter(file, name);
            }
            catch (OnnxRuntimeGenAIException ex)
            {
                throw new PaliGemmaModelException(file, $"ONNX Runtime GenAI cannot load the run-time adapter '{name}': {ex.Message}", ex);
            }

            _adapterNames.Add(name);
        }
    }

    /// <summary>
    /// Runs one generation (see <see cref="PaliGemmaModel.Generate"/>) in its own generator; a constrained request's
    /// logits are masked by its grammar before every step.
    /// </summary>
    public IEnumerable<GeneratedToken> Generate(GenerationRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var session = StartGenerator(request.Features, request.PromptIds, request.MaxLength, request.Settings);
        IReadOnlySet<int> stops = StopIds;
        ConstraintState?[] constraint = [request.StartConstraint()];
        int maxNewTokens = request.MaxNewTokens;
        for (int produced = 0; produced < maxNewTokens; produced++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (session.Generator.IsDone())
            {
                yield break;
            }

            if (constraint[0] is not null)
            {
                GeneratorLogits.Apply(session.Generator, constraint, _manifest.VocabSize);
            }

            session.Generator.GenerateNextToken();
            int id = session.Generator.GetNextTokens()[0];
            constraint[0]?.Advance(id);
            bool isStop = stops.Contains(id);
            yield return new GeneratedToken(id, isStop);
            if (isStop)
            {
                yield break;
            }
        }
    }

    /// <summary>The ids that end a sequence: end-of-sequence and the manifest's extra stop tokens.</summary>
    public IReadOnlySet<int> StopIds => _stopIds ??= new HashSet<int>([_manifest.TokenIds.Eos, .. _manifest.TokenIds.ExtraStop]);

    /// <summary>
    /// Starts one greedy generator for several requests (see <see cref="DecoderBatcher"/>): <c>batch_size</c> rows, the
    /// feature rows of every request concatenated in batch order, and the prompts right-padded with the pad id (ONNX
    /// Runtime GenAI gives trailing pads mask 0 and continues each row's positions from its own last token). One request
    /// starts exactly as <see cref="Generate"/> does.
    /// </summary>
    /// <param name="requests">The rows, greedy, each prompt ending in a non-pad id.</param>
    /// <param name="maxLength">The generator's total length limit (padded prompt plus steps).</param>
    /// <returns>The started generator; dispose it to free the native objects.</returns>
    public BatchGenerator StartBatch(IReadOnlyList<GenerationRequest> requests, int maxLength)
    {
        if (requests.Count == 1)
        {
            return new BatchGenerator(StartGenerator(requests[0].Features, requests[0].PromptIds, maxLength, requests[0].Settings));
        }

        int longest = requests.Max(r => r.PromptIds.Length);
        var ids = new int[requests.Count * longest];
        ids.AsSpan().Fill(_manifest.TokenIds.Pad);
        var features = new float[requests.Sum(r => r.Features.Length)];
        int offset = 0;
        for (int i = 0; i < requests.Count; i++)
        {
            requests[i].PromptIds.CopyTo(ids.AsSpan(i * longest));
            requests[i].Features.Span.CopyTo(features.AsSpan(offset));
            offset += requests[i].Features.Length;
        }

        return new BatchGenerator(StartGenerator(features, ids, maxLength, new PaliGemmaGenerationSettings(), requests.Count));
    }

    /// <summary>Runs only the prefill and returns the logits of the last prompt position (tests, diagnostics).</summary>
    public float[] FirstStepLogits(ReadOnlyMemory<float> features, int[] promptIds, int maxLength, PaliGemmaGenerationSettings? settings = null)
    {
        using var session = StartGenerator(features, promptIds, maxLength, settings ?? new PaliGemmaGenerationSettings());
        using Tensor logits = session.Generator.GetOutput(DecoderGraphNames.Logits);
        long[] shape = logits.Shape();
        int vocab = (int)shape[^1];
        ReadOnlySpan<float> all = logits.GetData<float>();
        return all[^vocab..].ToArray();
    }

    /// <summary>Disposes the model and config.</summary>
    public void Dispose()
    {
        _adapters?.Dispose();
        _model.Dispose();
        _config.Dispose();
    }

    private GenerationSession StartGenerator(ReadOnlyMemory<float> features, int[] promptIds, int maxLength, PaliGemmaGenerationSettings settings, int batchSize = 1)
    {
        var session = new GenerationSession();
        try
        {
            session.Parameters = GenAiObjects.CreateGeneratorParams(_model);
            if (batchSize > 1)
            {
                session.Parameters.SetSearchOption(GenAiConfigKeys.SearchSection.BatchSize, batchSize);
            }

            ApplySearchOptions(session.Parameters, settings, maxLength);

            int hidden = _manifest.TextHiddenSize;
            int rows = features.Length / hidden;
            long[] shape = [rows, hidden];
            ElementType type = ElementType.float32;
            if (_halfFeatures)
            {
                type = ElementType.float16;
                session.Pin = ToHalf(features.Span).AsMemory().Pin();
            }
            else
            {
                session.Pin = (rows == 0 ? EmptyFeatures.AsMemory() : features).Pin();
            }

            unsafe
            {
                session.Features = GenAiObjects.CreateTensor((IntPtr)session.Pin.Pointer, shape, type);
            }

            session.Generator = new Generator(_model, session.Parameters);
            if (settings.Adapter is { } adapter && _adapters is not null && _adapterNames.Contains(adapter))
            {
                // ONNX Runtime GenAI adds the adapter to this generator's run options: its A/B tensors feed the decoder's LoRA inputs.
                session.Generator.SetActiveAdapter(_adapters, adapter);
            }

            session.Generator.SetModelInput(DecoderGraphNames.ImageFeatures, session.Features);
            session.Generator.AppendTokens(promptIds);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static void ApplySearchOptions(GeneratorParams parameters, PaliGemmaGenerationSettings settings, int maxLength)
    {
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.MaxLength, maxLength);
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.NumBeams, 1);
        bool sampling = settings.IsSampling;
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.DoSample, sampling);
        if (!sampling)
        {
            return;
        }

        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.Temperature, settings.Temperature);
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.TopK, settings.TopK);
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.TopP, settings.TopP);
        if (settings.Seed is int seed)
        {
            parameters.SetSearchOption(GenAiConfigKeys.SearchSection.RandomSeed, seed);
        }
    }

    private static Half[] ToHalf(ReadOnlySpan<float> values)
    {
        // One spare element keeps the pinned pointer valid when there are no feature rows.
        var half = new Half[Math.Max(values.Length, 1)];
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = (Half)values[i];
        }

        return half;
    }

    private static bool CheckDecoderInputs(string path)
    {
        IReadOnlyDictionary<string, int> inputs;
        try
        {
            inputs = OnnxGraphInputs.Read(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new PaliGemmaModelException(path, $"the decoder graph cannot be read: {ex.Message}", ex);
        }

        if (!inputs.ContainsKey(DecoderGraphNames.InputIds))
        {
            throw new PaliGemmaModelException(path, $"the decoder graph has no 'input_ids' input (inputs: {string.Join(", ", inputs.Keys)}).", null);
        }

        if (!inputs.TryGetValue(DecoderGraphNames.ImageFeatures, out int elementType))
        {
            throw new PaliGemmaModelException(path, $"the decoder graph has no '{DecoderGraphNames.ImageFeatures}' input, so images cannot reach it (inputs: {string.Join(", ", inputs.Keys)}). Re-export the model with this library's converter.", null);
        }

        return elementType switch
        {
            OnnxGraphInputs.ElementTypeFloat => false,
            OnnxGraphInputs.ElementTypeFloat16 => true,
            _ => throw new PaliGemmaModelException(path, $"the decoder input '{DecoderGraphNames.ImageFeatures}' has ONNX element type {elementType}; float (1) or float16 (10) expected.", null),
        };
    }

    /// <summary>A started generator of one or more rows (see <see cref="StartBatch"/>); dispose it to free the native objects.</summary>
    internal sealed class BatchGenerator : IDisposable
    {
        private readonly GenerationSession _session;

        internal BatchGenerator(GenerationSession session) => _session = session;

        /// <summary>Gets a value indicating whether the generator can take no more steps (all rows ended or the length limit).</summary>
        public bool IsDone => _session.Generator.IsDone();

        /// <summary>Runs one decode step and returns the next token of every row, in batch order.</summary>
        /// <param name="constraints">Per row, the grammar state to mask the row's logits with (null: unconstrained), or
        /// empty when no row is constrained; each state is advanced with its row's token.</param>
        /// <param name="vocab">The width of a logits row.</param>
        /// <returns>The tokens (valid until the next step).</returns>
        public ReadOnlySpan<int> Step(ReadOnlySpan<ConstraintState?> constraints, int vocab)
        {
            bool any = false;
            foreach (ConstraintState? state in constraints)
            {
                any |= state is not null;
            }

            if (any)
            {
                GeneratorLogits.Apply(_session.Generator, constraints, vocab);
            }

            _session.Generator.GenerateNextToken();
            ReadOnlySpan<int> next = _session.Generator.GetNextTokens();
            for (int i = 0; i < constraints.Length; i++)
            {
                constraints[i]?.Advance(next[i]);
            }

            return next;
        }

        /// <inheritdoc />
        public void Dispose() => _session.Dispose();
    }

    /// <summary>The native objects of one generation, freed together (generator first, then the pinned buffer).</summary>
    internal sealed class GenerationSession : IDisposable
    {
        public GeneratorParams? Parameters { get; set; }

        public Tensor? Features { get; set; }

        public Generator Generator { get; set; } = null!;

        public MemoryHandle Pin { get; set; }

        public void Dispose()
        {
            Generator?.Dispose();
            Features?.Dispose();
            Parameters?.Dispose();
            Pin.Dispose();
        }
    }
}
