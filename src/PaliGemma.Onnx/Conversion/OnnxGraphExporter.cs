using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Conversion;

/// <summary>The real graph exporters (<see cref="VisionGraphExporter"/>, DecoderGraphExporter, GenAiConfigWriter).</summary>
internal sealed class OnnxGraphExporter : IModelGraphExporter
{
    public static OnnxGraphExporter Instance { get; } = new();

    public void ExportVision(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, IProgress<ExportProgress>? progress)
        => VisionGraphExporter.Export(config, weights, onnxPath, precision, progress);

    public void ExportDecoder(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, IProgress<ExportProgress>? progress)
        => throw new NotSupportedException("PENDING-MERGE: DecoderGraphExporter not merged yet.");

    public void WriteGenAiConfig(PaliGemmaConfig config, string folder, int contextLength, IReadOnlyList<int> eosTokenIds)
        => throw new NotSupportedException("PENDING-MERGE: GenAiConfigWriter not merged yet.");
}
