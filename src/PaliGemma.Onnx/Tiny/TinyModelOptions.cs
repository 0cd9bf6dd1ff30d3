using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tiny;

/// <summary>Which PaliGemma generation a tiny model imitates.</summary>
public enum TinyModelVariant
{
    /// <summary>PaliGemma 1: SigLIP + Gemma.</summary>
    PaliGemma1,

    /// <summary>PaliGemma 2: SigLIP + Gemma 2 (four norms per layer, soft caps, sliding window).</summary>
    PaliGemma2,
}

/// <summary>Which tensor-name layout a generated checkpoint uses.</summary>
public enum CheckpointKeyLayout
{
    /// <summary><c>language_model.model.…</c>, <c>vision_tower.…</c>, <c>multi_modal_projector.…</c> (transformers before 4.52).</summary>
    Legacy,

    /// <summary><c>model.language_model.…</c>, <c>model.vision_tower.…</c>, <c>model.multi_modal_projector.…</c> (newer transformers).</summary>
    Nested,
}

/// <summary>Options of <see cref="TinyModelGenerator"/>: architecture widths, seed and storage format.</summary>
public sealed record TinyModelOptions
{
    /// <summary>PaliGemma 1 or 2.</summary>
    public TinyModelVariant Variant { get; init; } = TinyModelVariant.PaliGemma2;

    /// <summary>Square image size in pixels; must be a positive multiple of <see cref="PatchSize"/>.</summary>
    public int ImageSize { get; init; } = 56;

    /// <summary>Vision patch size (14 like SigLIP So400m/14).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Seed of the random weights.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>SigLIP width.</summary>
    public int VisionHiddenSize { get; init; } = 32;

    /// <summary>SigLIP layers.</summary>
    public int VisionLayers { get; init; } = 2;

    /// <summary>SigLIP heads.</summary>
    public int VisionHeads { get; init; } = 4;

    /// <summary>SigLIP MLP width.</summary>
    public int VisionIntermediateSize { get; init; } = 64;

    /// <summary>Decoder width.</summary>
    public int TextHiddenSize { get; init; } = 64;

    /// <summary>Decoder layers.</summary>
    public int TextLayers { get; init; } = 2;

    /// <summary>Decoder query heads.</summary>
    public int TextHeads { get; init; } = 4;

    /// <summary>Decoder key/value heads; null = 1 for PaliGemma 1, 2 for PaliGemma 2.</summary>
    public int? TextKeyValueHeads { get; init; }

    /// <summary>Decoder head width.</summary>
    public int HeadDim { get; init; } = 16;

    /// <summary>Decoder MLP width.</summary>
    public int TextIntermediateSize { get; init; } = 128;

    /// <summary>Decoder vocabulary size; null = the tokenizer's size rounded up to a multiple of 64. Must cover the tokenizer.</summary>
    public int? VocabSize { get; init; }

    /// <summary>Gemma 2 sliding window (written to config.json; PaliGemma 2 only).</summary>
    public int SlidingWindow { get; init; } = 4096;

    /// <summary>Standard deviation of weight matrices and biases.</summary>
    public float WeightStd { get; init; } = 0.02f;

    /// <summary>Standard deviation of embedding tables (larger than <see cref="WeightStd"/> so outputs vary clearly with the input).</summary>
    public float EmbeddingStd { get; init; } = 0.5f;

    /// <summary>Element type of the stored tensors.</summary>
    public TensorDataType DataType { get; init; } = TensorDataType.Float32;

    /// <summary>Tensor-name layout.</summary>
    public CheckpointKeyLayout KeyLayout { get; init; } = CheckpointKeyLayout.Legacy;

    /// <summary>Number of weight files; above 1 the checkpoint is sharded with a <c>model.safetensors.index.json</c>.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Gets the effective key/value head count.</summary>
    public int EffectiveKeyValueHeads => TextKeyValueHeads ?? (Variant == TinyModelVariant.PaliGemma1 ? 1 : 2);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        Positive(PatchSize, nameof(PatchSize));
        Positive(ImageSize, nameof(ImageSize));
        if (ImageSize % PatchSize != 0)
        {
            throw new ArgumentException($"ImageSize {ImageSize} is not a multiple of PatchSize {PatchSize}.", nameof(ImageSize));
        }

        Positive(VisionHiddenSize, nameof(VisionHiddenSize));
        Positive(VisionLayers, nameof(VisionLayers));
        Positive(VisionHeads, nameof(VisionHeads));
        Positive(VisionIntermediateSize, nameof(VisionIntermediateSize));
        Divides(VisionHeads, nameof(VisionHeads), VisionHiddenSize, nameof(VisionHiddenSize));

        Positive(TextHiddenSize, nameof(TextHiddenSize));
        Positive(TextLayers, nameof(TextLayers));
        Positive(TextHeads, nameof(TextHeads));
        Positive(EffectiveKeyValueHeads, nameof(TextKeyValueHeads));
        Positive(HeadDim, nameof(HeadDim));
        Positive(TextIntermediateSize, nameof(TextIntermediateSize));
        Positive(SlidingWindow, nameof(SlidingWindow));
        Positive(ShardCount, nameof(ShardCount));
        Divides(EffectiveKeyValueHeads, nameof(TextKeyValueHeads), TextHeads, nameof(TextHeads));

        if (!(WeightStd >= 0 && float.IsFinite(WeightStd)) || !(EmbeddingStd >= 0 && float.IsFinite(EmbeddingStd)))
        {
            throw new ArgumentException("WeightStd and EmbeddingStd must be finite and non-negative.", nameof(WeightStd));
        }
    }

    private static void Divides(int part, string partName, int whole, string wholeName)
    {
        if (whole % part != 0)
        {
            throw new ArgumentException($"{partName} {part} does not divide {wholeName} {whole}.", partName);
        }
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{name} must be positive, got {value}.", name);
        }
    }
}
