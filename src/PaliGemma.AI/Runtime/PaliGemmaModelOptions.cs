using Microsoft.Extensions.Logging;

namespace PaliGemma.AI.Runtime;

/// <summary>Options for loading a <see cref="PaliGemmaModel"/>.</summary>
public sealed class PaliGemmaModelOptions
{
    /// <summary>
    /// The execution provider: <c>"cpu"</c> (default) or <c>"cuda"</c>. CUDA needs the native CUDA packages
    /// (<c>Microsoft.ML.OnnxRuntimeGenAI.Cuda</c> / <c>Microsoft.ML.OnnxRuntime.Gpu</c>) in the application.
    /// </summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>
    /// Threads ONNX Runtime may use inside one operator, for the vision and the decoder sessions. 0 (default) = the
    /// cores available to this process (<see cref="Environment.ProcessorCount"/>, which honours the CPU affinity mask
    /// and container CPU limits) divided by <see cref="ConcurrentGenerations"/>, at least 1. Negative values are
    /// rejected. The value chosen is logged at load and exposed as <see cref="PaliGemmaModel.IntraOpNumThreads"/>.
    /// </summary>
    public int IntraOpNumThreads { get; set; }

    /// <summary>The default of <see cref="MaxBatchSize"/>.</summary>
    public const int DefaultMaxBatchSize = 8;

    /// <summary>
    /// Gets or sets how many concurrent greedy <see cref="PaliGemmaModel.Generate"/> calls may share one batched generator
    /// (one prefill and one decode step for all of them, so each step reads the weights once); 1 turns batching off.
    /// Default <see cref="DefaultMaxBatchSize"/>. Requests that arrive within <see cref="BatchWindow"/> of the first one
    /// form a batch; sampling requests always run alone. Batching needs a folder of <c>format_version</c> 2 or later
    /// (older folders run every request alone). With fp32 weights batched tokens equal the tokens of each request run
    /// alone; with int4 weights at accuracy level 4 they may differ slightly (see docs/architecture.md, "Batched generation").
    /// Concurrency itself comes from the callers (for a chat client, <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/>).
    /// </summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>
    /// Gets or sets how long the first request of a batch waits for others to join (default 5 ms; zero to one second).
    /// A batch starts earlier when it is full.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// How many generations the application runs on this model at once (default 1). When
    /// <see cref="IntraOpNumThreads"/> is 0 the available cores are split between them so that concurrent
    /// generations do not oversubscribe the CPU. <see cref="PaliGemmaChatClient.Load(string, PaliGemmaModelOptions?, PaliGemmaChatClientOptions?, Microsoft.Extensions.Logging.ILogger?)"/>
    /// and <c>AddPaliGemma</c> set it from <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/> when it is left at 1.
    /// Must be at least 1.
    /// </summary>
    public int ConcurrentGenerations { get; set; } = 1;

    /// <summary>
    /// Whether the vision session's intra-op worker threads spin (busy-wait) for work before sleeping; null = the
    /// library default (<see cref="Runtime.ThreadSettings.DefaultAllowSpinning"/>). Internal: used by
    /// <c>paligemma bench</c> to measure the choice. ONNX Runtime GenAI 0.20 exposes no spinning setting for the
    /// decoder (its <c>session_options</c> reject <c>config_entries</c>), so the decoder keeps GenAI's own.
    /// </summary>
    internal bool? AllowSpinning { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public PaliGemmaModelOptions Clone() => (PaliGemmaModelOptions)MemberwiseClone();

    /// <summary>
    /// Receives one Information line when the model is loaded (folder, model id, execution provider, precision, threads,
    /// load time), the thread choice, a Warning for a float16 folder on the CPU provider and a Warning when decoding
    /// falls back to ONNX Runtime GenAI's detokenizer; null = no logging (a logger passed to
    /// <see cref="PaliGemmaModel.Load(string, PaliGemmaModelOptions?, ILogger?)"/> takes precedence).
    /// </summary>
    public ILogger? Logger { get; set; }

    /// <summary>Receives the load's stages as they start (folder, decoder, tokenizer, vision encoder) and a last report when it is done; null = none.</summary>
    public IProgress<PaliGemmaLoadProgress>? Progress { get; set; }
}

/// <summary>A stage of <see cref="PaliGemmaModel.Load(string, PaliGemmaModelOptions?, Microsoft.Extensions.Logging.ILogger?)"/>.</summary>
/// <param name="Step">The stage's number, 1 to <paramref name="Steps"/>; equal to <paramref name="Steps"/> with
/// <paramref name="Done"/> set once the model is loaded.</param>
/// <param name="Steps">The number of stages.</param>
/// <param name="Stage">What is being loaded, e.g. "decoder".</param>
/// <param name="Done">Whether the whole load has finished.</param>
public sealed record PaliGemmaLoadProgress(int Step, int Steps, string Stage, bool Done = false);
