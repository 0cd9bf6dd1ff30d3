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

    /// <summary>
    /// The execution provider the folder is meant for; it picks the precision when <see cref="Precision"/> is null (auto):
    /// <see cref="ConversionTarget.Cpu"/> (default) gets <see cref="CpuAutoPrecision"/> (4-bit decoder, see
    /// <see cref="CpuAutoVisionPrecision"/> and <see cref="CpuAutoInt4"/>), <see cref="ConversionTarget.Cuda"/> gets float16.
    /// </summary>
    public ConversionTarget Target { get; init; } = ConversionTarget.Cpu;

    /// <summary>
    /// Weight precision of the decoder (and of the vision tower unless <see cref="VisionPrecision"/> says otherwise), or
    /// null (default) for the automatic choice of <see cref="Target"/>.
    /// </summary>
    public ModelPrecision? Precision { get; init; }

    /// <summary>
    /// Weight precision of the vision tower and projector (<c>vision.onnx</c>), or null (default): the same as
    /// <see cref="Precision"/>, or <see cref="CpuAutoVisionPrecision"/> when the precision is automatic on the CPU.
    /// </summary>
    public ModelPrecision? VisionPrecision { get; init; }

    /// <summary>
    /// 4-bit settings for <see cref="ModelPrecision.Int4"/> graphs (block size, symmetric, accuracy level, head policy); null =
    /// <see cref="CpuAutoInt4"/> when the precision is automatic on the CPU, else <see cref="Quantization.Int4QuantizationOptions"/>'s defaults.
    /// </summary>
    public Quantization.Int4QuantizationOptions? Int4 { get; init; }

    /// <summary>The decoder precision <c>auto</c> picks for <see cref="ConversionTarget.Cpu"/>: <see cref="ModelPrecision.Int4"/>.</summary>
    public static ModelPrecision CpuAutoPrecision => ModelPrecision.Int4;

    /// <summary>
    /// The vision-tower precision <c>auto</c> picks for <see cref="ConversionTarget.Cpu"/>: <see cref="ModelPrecision.Float16"/>.
    /// On the bundled scene model a 4-bit vision tower alone cost 0.04 of caption accuracy; see docs/performance.md,
    /// "int4 precision mixes", for the measured quality, size and speed of each mix.
    /// </summary>
    public static ModelPrecision CpuAutoVisionPrecision => ModelPrecision.Float16;

    /// <summary>
    /// The 4-bit settings <c>auto</c> uses for <see cref="ConversionTarget.Cpu"/>: blocks of 16, asymmetric (per-block zero
    /// points), accuracy level 4 (int8 activations: level 1 measured no better), the head as its own 4-bit copy in blocks of 128
    /// (decodes 1.28× faster than blocks of 16 at PaliGemma 1 widths, same quality) — the mix closest to float16 of those
    /// measured (docs/performance.md, "int4 precision mixes").
    /// </summary>
    public static Quantization.Int4QuantizationOptions CpuAutoInt4 => new() { BlockSize = 16, Symmetric = false, AccuracyLevel = 4, QuantizeLmHead = true, HeadBlockSize = 128 };

    /// <summary>
    /// Returns these options with every automatic choice made: <see cref="Precision"/> and <see cref="VisionPrecision"/> set,
    /// and <see cref="Int4"/> set whenever either graph is 4-bit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <see cref="Target"/> or precision.</exception>
    public ConvertOptions Resolve()
    {
        if (!Enum.IsDefined(Target))
        {
            throw new ArgumentOutOfRangeException(nameof(Target), Target, "Unknown conversion target; use Cpu or Cuda.");
        }

        foreach (ModelPrecision? p in new[] { Precision, VisionPrecision })
        {
            if (p is { } value && !Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(Precision), value, "Unknown precision.");
            }
        }

        bool autoCpu = Precision is null && Target == ConversionTarget.Cpu;
        ModelPrecision decoder = Precision ?? (autoCpu ? CpuAutoPrecision : ModelPrecision.Float16);
        ModelPrecision vision = VisionPrecision ?? (autoCpu ? CpuAutoVisionPrecision : decoder);
        Quantization.Int4QuantizationOptions? int4 = Int4;
        if (int4 is null && (decoder == ModelPrecision.Int4 || vision == ModelPrecision.Int4))
        {
            int4 = autoCpu ? CpuAutoInt4 : new Quantization.Int4QuantizationOptions();
        }

        return this with { Precision = decoder, VisionPrecision = vision, Int4 = int4 };
    }

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

    /// <summary>
    /// A Hugging Face PEFT LoRA adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, either key layout) to
    /// merge into the checkpoint before export (<c>W + scale·B·A</c> on every targeted linear layer of the vision tower, projector
    /// and decoder, before any float16 or 4-bit conversion), or null (default) for the checkpoint as it is. An adapter the merge
    /// cannot reproduce exactly (DoRA, trained biases, modules_to_save, embedding or head targets, wrong shapes) fails the
    /// conversion with a <see cref="Adapters.LoraAdapterException"/> naming the field and its value; see docs/model-format.md.
    /// </summary>
    public string? LoraAdapterDirectory { get; init; }

    /// <summary>
    /// Run-time LoRA adapters to convert alongside the base, by name (the name a request selects, see docs/model-format.md):
    /// each PEFT adapter folder is validated like <see cref="LoraAdapterDirectory"/>, every layer any of them targets gets
    /// zero-rank LoRA inputs in <c>vision.onnx</c> / <c>decoder.onnx</c>, and each adapter is written as ONNX Runtime adapter
    /// files (<c>adapter.NAME.vision.onnx_adapter</c>, <c>adapter.NAME.decoder.onnx_adapter</c>), listed in the manifest's <c>files.adapters</c>. Null or empty (default): no run-time adapters.
    /// Names are a letter or digit followed by up to 63 letters, digits, '_', '-' or '.'.
    /// </summary>
    public IReadOnlyDictionary<string, string>? RuntimeLoraAdapters { get; init; }

    /// <summary>Receives progress: stages <c>validate</c>, <c>hash</c>, <c>vision</c>, <c>decoder</c>, <c>mask_decoder</c> (only with <see cref="MaskDecoderNpzPath"/>), <c>finish</c>.</summary>
    public IProgress<ExportProgress>? Progress { get; init; }
}

/// <summary>The execution provider a conversion targets (it picks the automatic precision).</summary>
public enum ConversionTarget
{
    /// <summary>ONNX Runtime's CPU provider: automatic precision is a 4-bit decoder (MatMulNBits).</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA provider: automatic precision is float16.</summary>
    Cuda,
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
