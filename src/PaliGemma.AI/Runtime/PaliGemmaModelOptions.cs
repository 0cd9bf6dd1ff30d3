namespace PaliGemma.AI;

/// <summary>Options for loading a <see cref="PaliGemmaModel"/>.</summary>
public sealed class PaliGemmaModelOptions
{
    /// <summary>
    /// The execution provider: <c>"cpu"</c> (default) or <c>"cuda"</c>. CUDA needs the native CUDA packages
    /// (<c>Microsoft.ML.OnnxRuntimeGenAI.Cuda</c> / <c>Microsoft.ML.OnnxRuntime.Gpu</c>) in the application.
    /// </summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>
    /// Threads ONNX Runtime may use inside one operator, for the vision and the decoder sessions; 0 = the runtime's
    /// default (one per physical core). Negative values are rejected.
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
}
