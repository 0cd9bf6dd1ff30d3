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
}
