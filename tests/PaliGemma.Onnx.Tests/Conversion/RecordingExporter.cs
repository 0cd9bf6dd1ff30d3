using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;

namespace PaliGemma.Onnx.Tests.Conversion;

/// <summary>A stand-in for the graph exporters: writes marker files, or fails at a chosen step.</summary>
internal sealed class RecordingExporter(string? failAt = null) : IModelGraphExporter
{
    public List<string> Calls { get; } = [];

    /// <summary>The precision and 4-bit settings each graph was exported with.</summary>
    public Dictionary<string, (ModelPrecision Precision, Int4QuantizationOptions? Int4)> Precisions { get; } = [];

    public void ExportVision(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress)
    {
        Precisions["vision"] = (precision, int4);
        Step("vision", onnxPath);
    }

    public void ExportDecoder(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress)
    {
        Precisions["decoder"] = (precision, options.Int4);
        Step("decoder", onnxPath);
    }

    public void WriteGenAiConfig(PaliGemmaConfig config, string folder, int contextLength, IReadOnlyList<int> eosTokenIds)
        => Step($"genai:{contextLength}:{string.Join(",", eosTokenIds)}", Path.Combine(folder, "genai_config.json"));

    private void Step(string name, string path)
    {
        Calls.Add(name);
        File.WriteAllText(path, name);
        if (failAt is not null && name.StartsWith(failAt, StringComparison.Ordinal))
        {
            throw new IOException($"simulated failure in {name}");
        }
    }
}
