using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// Progress of the bundled model's first-use conversion and of a model load as plain lines on a writer (standard error:
/// standard output carries the answer, or the MCP protocol). Reports arrive on the calling thread, in order.
/// </summary>
internal sealed class StageProgress(TextWriter writer) : IProgress<ExportProgress>, IProgress<PaliGemmaLoadProgress>
{
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    /// <summary>One line per conversion stage, when it completes.</summary>
    public void Report(ExportProgress value)
    {
        if (value.Total > 0 && value.Done >= value.Total && _finished.Add(value.Stage))
        {
            writer.WriteLine($"  converted {value.Stage} ({value.Total})");
        }
    }

    /// <summary>One line per load stage.</summary>
    public void Report(PaliGemmaLoadProgress value) =>
        writer.WriteLine(value.Done ? "Model loaded." : $"Loading the model: {value.Stage} ({value.Step}/{value.Steps}) ...");
}
