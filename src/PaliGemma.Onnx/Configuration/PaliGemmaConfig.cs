namespace PaliGemma.Onnx.Configuration;

/// <summary>The SigLIP vision tower hyper-parameters (HF <c>vision_config</c>, defaults applied).</summary>
public sealed record SiglipVisionConfig
{
    /// <summary>Width of the encoder (So400m: 1152).</summary>
    public int HiddenSize { get; init; } = 1152;

    /// <summary>MLP width (So400m: 4304).</summary>
    public int IntermediateSize { get; init; } = 4304;

    /// <summary>Number of encoder layers (So400m: 27).</summary>
    public int NumHiddenLayers { get; init; } = 27;

    /// <summary>Number of attention heads (So400m: 16).</summary>
    public int NumAttentionHeads { get; init; } = 16;

    /// <summary>Patch size in pixels (14).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Square input resolution in pixels (224, 448, 896, or any multiple of the patch size).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Number of image channels (3).</summary>
    public int NumChannels { get; init; } = 3;

    /// <summary>LayerNorm epsilon (1e-6).</summary>
    public float LayerNormEps { get; init; } = 1e-6f;

    /// <summary>Gets the number of patches (= image tokens) per image.</summary>
    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);
}

/// <summary>The Gemma / Gemma 2 text decoder hyper-parameters (HF <c>text_config</c>, defaults applied).</summary>
public sealed record GemmaTextConfig
{
    /// <summary><c>gemma</c> (PaliGemma 1) or <c>gemma2</c> (PaliGemma 2).</summary>
    public string ModelType { get; init; } = "gemma";

    /// <summary>Model width.</summary>
    public int HiddenSize { get; init; } = 2048;

    /// <summary>MLP width.</summary>
    public int IntermediateSize { get; init; } = 16384;

    /// <summary>Number of decoder layers.</summary>
    public int NumHiddenLayers { get; init; } = 18;

    /// <summary>Number of query heads.</summary>
    public int NumAttentionHeads { get; init; } = 8;

    /// <summary>Number of key/value heads (1 = MQA).</summary>
    public int NumKeyValueHeads { get; init; } = 1;

    /// <summary>Per-head width (may differ from hidden / heads).</summary>
    public int HeadDim { get; init; } = 256;

    /// <summary>Vocabulary size (257216 for released checkpoints).</summary>
    public int VocabSize { get; init; } = 257216;

    /// <summary>RMSNorm epsilon.</summary>
    public float RmsNormEps { get; init; } = 1e-6f;

    /// <summary>RoPE base.</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>Attention scores are scaled by <c>QueryPreAttnScalar^-0.5</c> (Gemma 2; Gemma 1 uses head_dim).</summary>
    public float QueryPreAttnScalar { get; init; } = 256f;

    /// <summary>Gemma 2 attention logit soft cap (50), or null for none.</summary>
    public float? AttnLogitSoftcapping { get; init; }

    /// <summary>Gemma 2 final logit soft cap (30), or null for none.</summary>
    public float? FinalLogitSoftcapping { get; init; }

    /// <summary>Gemma 2 sliding window for local (even-index) layers, or null for none.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Maximum positions the model was trained for.</summary>
    public int MaxPositionEmbeddings { get; init; } = 8192;

    /// <summary>Gets whether this is a Gemma 2 decoder.</summary>
    public bool IsGemma2 => string.Equals(ModelType, "gemma2", StringComparison.Ordinal);
}

/// <summary>A PaliGemma checkpoint configuration (HF <c>config.json</c>), defaults applied.</summary>
public sealed record PaliGemmaConfig
{
    /// <summary>The SigLIP vision tower.</summary>
    public required SiglipVisionConfig Vision { get; init; }

    /// <summary>The Gemma / Gemma 2 decoder.</summary>
    public required GemmaTextConfig Text { get; init; }

    /// <summary>Token id of <c>&lt;image&gt;</c> (257152 in released checkpoints).</summary>
    public int ImageTokenIndex { get; init; } = 257152;

    /// <summary>Projector output width (= text hidden size).</summary>
    public int ProjectionDim { get; init; } = 2048;

    /// <summary>Padding token id.</summary>
    public int PadTokenId { get; init; }

    /// <summary>End-of-sequence token id.</summary>
    public int EosTokenId { get; init; } = 1;

    /// <summary>Beginning-of-sequence token id.</summary>
    public int BosTokenId { get; init; } = 2;

    /// <summary>Gets 1 for PaliGemma (Gemma) or 2 for PaliGemma 2 (Gemma 2).</summary>
    public int Generation => Text.IsGemma2 ? 2 : 1;
}
