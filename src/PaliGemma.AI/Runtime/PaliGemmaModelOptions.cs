using Microsoft.Extensions.Logging;

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

    /// <summary>
    /// Receives one Information line when the model is loaded (folder, model id, execution provider, precision, threads,
    /// load time) and a Warning when decoding falls back to ONNX Runtime GenAI's detokenizer; null = no logging.
    /// </summary>
    public ILogger? Logger { get; set; }

    /// <summary>Receives the load's stages as they start (folder, decoder, tokenizer, vision encoder) and a last report when it is done; null = none.</summary>
    public IProgress<PaliGemmaLoadProgress>? Progress { get; set; }
}

/// <summary>A stage of <see cref="PaliGemmaModel.Load"/>.</summary>
/// <param name="Step">The stage's number, 1 to <paramref name="Steps"/>; equal to <paramref name="Steps"/> with
/// <paramref name="Done"/> set once the model is loaded.</param>
/// <param name="Steps">The number of stages.</param>
/// <param name="Stage">What is being loaded, e.g. "decoder".</param>
/// <param name="Done">Whether the whole load has finished.</param>
public sealed record PaliGemmaLoadProgress(int Step, int Steps, string Stage, bool Done = false);
