using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;

namespace PaliGemma.Onnx.Conversion;

/// <summary>The graph-writing steps of a conversion (a seam so conversion logic can be tested apart from graph building).</summary>
internal interface IModelGraphExporter
{
    /// <summary>Writes <c>vision.onnx</c>.</summary>
    void ExportVision(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress);

    /// <summary>Writes <c>decoder.onnx</c>.</summary>
    void ExportDecoder(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress);

    /// <summary>Writes <c>genai_config.json</c>.</summary>
    void WriteGenAiConfig(PaliGemmaConfig config, string folder, int contextLength, IReadOnlyList<int> eosTokenIds);
}
