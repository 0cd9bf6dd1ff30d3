using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.TransformersJs;

/// <summary>
/// Writes the graphs and JSON files of <see cref="ModelLayout.TransformersJs"/> into a (temporary) folder, reusing the
/// project's exporters: <c>vision_encoder</c> is <see cref="VisionGraphExporter"/>'s graph, <c>decoder_model_merged</c> is
/// <see cref="DecoderGraphExporter"/>'s graph over <c>inputs_embeds</c>, <c>embed_tokens</c> the scaled token embedding.
/// </summary>
/// <remarks>
/// Scaling: <c>embed_tokens</c> multiplies by √hidden and <c>vision_encoder</c> outputs the unscaled projector output, so
/// transformers.js's merge (it copies feature rows over the <c>&lt;image&gt;</c> rows of <c>inputs_embeds</c>, no scaling
/// of its own) builds exactly the sequence <c>decoder.onnx</c> builds. Attention: the decoder has no causal mask, as
/// <c>decoder.onnx</c>; transformers.js's <c>generate</c> feeds the whole prompt in one call and then one token per call,
/// which is PaliGemma's prefix-LM attention.
/// </remarks>
internal static class TransformersJsFolderWriter
{
    /// <summary>Writes <c>onnx/*</c>, <c>config.json</c>, <c>generation_config.json</c> and <c>preprocessor_config.json</c>.</summary>
    public static void Write(string folder, string input, PaliGemmaConfig config, ICheckpointReader weights, ConvertOptions options, PaliGemmaTokenIds ids, int contextLength)
    {
        ModelPrecision precision = options.Precision ?? options.Resolve().Precision!.Value;
        Directory.CreateDirectory(Path.Combine(folder, TransformersJsLayout.OnnxFolder));
        string Graph(string session) => Path.Combine(folder, TransformersJsLayout.GraphFile(session, precision));

        string vision = Graph(TransformersJsLayout.VisionEncoder);
        VisionGraphExporter.Export(config, weights, vision, TransformersJsLayout.DataFile(vision), precision, options.Int4, options.Progress);

        string embed = Graph(TransformersJsLayout.EmbedTokens);
        EmbedTokensGraphExporter.Export(config, weights, embed, TransformersJsLayout.DataFile(embed), precision, options.Progress);

        DecoderExportOptions decoder = (options.Decoder ?? new DecoderExportOptions()) with { InputsEmbeds = true };
        decoder = decoder with { Int4 = options.Int4 ?? decoder.Int4 };
        string merged = Graph(TransformersJsLayout.DecoderModelMerged);
        DecoderGraphExporter.Export(config, weights, merged, TransformersJsLayout.DataFile(merged), precision, decoder, options.Progress);

        TransformersJsConfigWriter.Write(folder, Path.Combine(input, PaliGemmaConfigReader.FileName), config, ids, contextLength, precision);
    }
}
