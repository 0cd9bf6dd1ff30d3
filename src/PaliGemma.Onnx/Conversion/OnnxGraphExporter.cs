using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;

namespace PaliGemma.Onnx.Conversion;

/// <summary>The real graph exporters (<see cref="VisionGraphExporter"/>, <see cref="DecoderGraphExporter"/>, <see cref="GenAiConfigWriter"/>).</summary>
internal sealed class OnnxGraphExporter : IModelGraphExporter
{
    public static OnnxGraphExporter Instance { get; } = new();

    public void ExportVision(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress)
        => VisionGraphExporter.Export(config, weights, onnxPath, precision, int4, progress);

    public void ExportDecoder(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress)
        => DecoderGraphExporter.Export(config, weights, onnxPath, precision, options, progress);

    public void WriteGenAiConfig(PaliGemmaConfig config, string folder, int contextLength, IReadOnlyList<int> eosTokenIds)
        => GenAiConfigWriter.Write(config, folder, contextLength, eosTokenIds);
}
