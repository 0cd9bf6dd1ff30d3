using PaliGemma.Onnx.Bundled;

namespace AgentDemo;

/// <summary>
/// The default offline model: <see cref="SceneModel"/> (<c>paligemma2-tiny-scenes</c>), a tiny PaliGemma 2 trained on
/// synthetic scenes of coloured shapes. Its checkpoint is copied next to the demo (models/SceneModel.props) and converted
/// once into <c>$XDG_CACHE_HOME/paligemma/models</c> (default <c>~/.cache/paligemma/models</c>).
/// </summary>
internal static class DemoModel
{
    /// <summary>Returns the converted model folder, converting the bundled checkpoint on first run.</summary>
    public static string EnsureDefaultModel(Action<string> report) => SceneModel.EnsureModelFolder(log: report, progress: new ConversionLines(report));

    /// <summary>The first-use conversion's progress: one line per finished stage.</summary>
    private sealed class ConversionLines(Action<string> report) : IProgress<PaliGemma.Onnx.Graphs.ExportProgress>
    {
        private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

        public void Report(PaliGemma.Onnx.Graphs.ExportProgress value)
        {
            if (value.Total > 0 && value.Done >= value.Total && _finished.Add(value.Stage))
            {
                report($"  converted {value.Stage} ({value.Total})");
            }
        }
    }
}
