using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.GraphBuilding;
using N = PaliGemma.Onnx.Checkpoints.PaliGemmaTensorNames;

namespace PaliGemma.Onnx.Graphs;

/// <summary>
/// Writes the transformers.js layout's <c>embed_tokens.onnx</c>: <c>input_ids</c> int64 [batch, seq] →
/// <c>inputs_embeds</c> float32 [batch, seq, hidden] = <c>embed_tokens[id] · √hidden</c> (Gemma's input scaling, the
/// normaliser rounded to float16 when the table is float16). Image rows are replaced by the caller with the unscaled
/// <c>image_features</c> of the vision graph, so the merged sequence equals what <c>decoder.onnx</c> builds internally.
/// </summary>
internal static class EmbedTokensGraphExporter
{
    /// <summary>Exports the graph to <paramref name="onnxPath"/> with its weights in <paramref name="dataPath"/>.</summary>
    public static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, string dataPath, ModelPrecision precision, IProgress<ExportProgress>? progress)
    {
        ExportGuard.Arguments(config, weights, onnxPath, precision);
        ExportGuard.Atomically(onnxPath, dataPath, () =>
        {
            long h = config.Text.HiddenSize;
            using var b = new OnnxGraphBuilder("paligemma_embed_tokens", onnxPath, dataPath);
            var loader = new WeightLoader(weights, b, precision, progress, "embed_tokens", 1);
            var nn = new NeuralOps(b, loader.Half);
            string ids = b.Input(DecoderGraphNames.InputIds, ElementType.Int64, "batch_size", "sequence_length");
            string table = loader.Embedding(N.EmbedTokens, config.Text.VocabSize, h);
            string embeds = TokenEmbedding.Scaled(b, nn, ids, table, loader.EmbeddingHalf, h);
            b.Op("Identity", [embeds], [], DecoderGraphExporter.InputsEmbeds);
            b.Output(DecoderGraphExporter.InputsEmbeds, ElementType.Float, "batch_size", "sequence_length", h);
            b.Save(ExportGuard.ProducerVersion);
        });
    }
}
