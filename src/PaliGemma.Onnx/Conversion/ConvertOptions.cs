using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Conversion;

/// <summary>Options of <see cref="PaliGemmaConverter.Convert(ConvertOptions)"/>.</summary>
public sealed record ConvertOptions
{
    /// <summary>The Hugging Face checkpoint folder (<c>config.json</c>, safetensors, tokenizer files).</summary>
    public required string InputDirectory { get; init; }

    /// <summary>The model folder to create. It must not exist unless <see cref="Overwrite"/> is set.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>
    /// The folder layout to write: <see cref="ModelLayout.PaliGemma"/> (this library's model folder, the default) or
    /// <see cref="ModelLayout.TransformersJs"/> (the same weights for transformers.js, used as a benchmark baseline).
    /// </summary>
    public ModelLayout Layout { get; init; } = ModelLayout.PaliGemma;

    /// <summary>Weight precision of the exported graphs.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;

    /// <summary>4-bit settings for <see cref="ModelPrecision.Int4"/> (block size, symmetric, accuracy level, head policy); null = defaults.</summary>
    public Quantization.Int4QuantizationOptions? Int4 { get; init; }

    /// <summary>The model id written to the manifest; defaults to the input folder's name.</summary>
    public string? ModelId { get; init; }

    /// <summary>Maximum total sequence length (prompt + generated); defaults to the decoder's <c>max_position_embeddings</c>.</summary>
    public int? MaxSequenceLength { get; init; }

    /// <summary>Decoder graph choices (logits of the last position only, Gemma 2 sliding-window semantics); null = defaults.</summary>
    public DecoderExportOptions? Decoder { get; init; }

    /// <summary>Replace an existing output folder (only after the new one was written completely).</summary>
    public bool Overwrite { get; init; }

    /// <summary>A free-form description stored in the manifest's source section.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// Big_vision's VQ-VAE weights (<c>vae-oid.npz</c>) to export as <c>mask_decoder.onnx</c> into the model folder
    /// (manifest <c>files.mask_decoder</c>), or null for a folder without a mask decoder (segmentation then returns
    /// boxes and codes but no masks). A file that is missing or malformed fails the whole conversion.
    /// </summary>
    public string? MaskDecoderNpzPath { get; init; }

    /// <summary>Receives progress: stages <c>validate</c>, <c>hash</c>, <c>vision</c>, <c>decoder</c>, <c>mask_decoder</c> (only with <see cref="MaskDecoderNpzPath"/>), <c>finish</c>.</summary>
    public IProgress<ExportProgress>? Progress { get; init; }
}

/// <summary>The folder layout a conversion writes.</summary>
public enum ModelLayout
{
    /// <summary>This library's model folder (<c>paligemma.json</c>, <c>genai_config.json</c>, <c>vision.onnx</c>, <c>decoder.onnx</c>, tokenizer files); see docs/model-format.md.</summary>
    PaliGemma,

    /// <summary>
    /// transformers.js 4.x's PaliGemma folder (<c>config.json</c>, <c>generation_config.json</c>, <c>preprocessor_config.json</c>,
    /// tokenizer files, <c>onnx/vision_encoder</c>, <c>onnx/embed_tokens</c>, <c>onnx/decoder_model_merged</c> with dtype suffixes
    /// and <c>.onnx_data</c> weights); see <see cref="TransformersJs.TransformersJsLayout"/>. It holds no <c>paligemma.json</c> and
    /// cannot be loaded by <c>PaliGemmaModel</c>. The mask decoder is not part of it, and <see cref="DecoderExportOptions.LastTokenLogitsOnly"/>
    /// does not apply (the decoder takes transformers.js's <c>num_logits_to_keep</c> input instead).
    /// </summary>
    TransformersJs,
}
