using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.TransformersJs;

/// <summary>
/// File names of a model folder in transformers.js's PaliGemma layout (<c>@huggingface/transformers</c> 4.x,
/// <c>PaliGemmaForConditionalGeneration</c> = an image-text-to-text model): <c>config.json</c>,
/// <c>generation_config.json</c>, <c>preprocessor_config.json</c>, tokenizer files, and under <c>onnx/</c> the three
/// sessions <c>vision_encoder</c>, <c>embed_tokens</c> and <c>decoder_model_merged</c>, each named
/// <c>{session}{dtype suffix}.onnx</c> with its weights in <c>{session}{dtype suffix}.onnx_data</c>.
/// </summary>
public static class TransformersJsLayout
{
    /// <summary>The sub-folder transformers.js loads graphs from (its <c>subfolder</c> default).</summary>
    public const string OnnxFolder = "onnx";

    /// <summary>The vision session: <c>pixel_values</c> → <c>image_features</c>.</summary>
    public const string VisionEncoder = "vision_encoder";

    /// <summary>The text embedding session: <c>input_ids</c> → <c>inputs_embeds</c>.</summary>
    public const string EmbedTokens = "embed_tokens";

    /// <summary>The decoder session: <c>inputs_embeds</c>, <c>attention_mask</c>, <c>position_ids</c>, <c>past_key_values.*</c>, <c>num_logits_to_keep</c> → <c>logits</c>, <c>present.*</c>.</summary>
    public const string DecoderModelMerged = "decoder_model_merged";

    /// <summary>transformers.js's <c>dtype</c> name for a precision: <c>fp32</c>, <c>fp16</c>, or <c>q4</c> (4-bit MatMulNBits weights, float32 activations).</summary>
    /// <param name="precision">The export precision.</param>
    public static string DtypeName(ModelPrecision precision) => precision switch
    {
        ModelPrecision.Float32 => "fp32",
        ModelPrecision.Float16 => "fp16",
        ModelPrecision.Int4 => "q4",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    /// <summary>The file-name suffix transformers.js adds for a precision's dtype: empty, <c>_fp16</c> or <c>_q4</c>.</summary>
    /// <param name="precision">The export precision.</param>
    public static string Suffix(ModelPrecision precision) => DtypeName(precision) switch
    {
        "fp32" => string.Empty,
        string name => "_" + name,
    };

    /// <summary>The graph file of <paramref name="session"/>, relative to the model folder (e.g. <c>onnx/decoder_model_merged_fp16.onnx</c>).</summary>
    /// <param name="session">One of <see cref="VisionEncoder"/>, <see cref="EmbedTokens"/>, <see cref="DecoderModelMerged"/>.</param>
    /// <param name="precision">The export precision.</param>
    public static string GraphFile(string session, ModelPrecision precision) => $"{OnnxFolder}/{session}{Suffix(precision)}.onnx";

    /// <summary>The external data file of a graph file: transformers.js expects <c>{graph}.onnx_data</c>.</summary>
    /// <param name="graphFile">A path returned by <see cref="GraphFile"/>.</param>
    public static string DataFile(string graphFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphFile);
        return graphFile + "_data";
    }
}
