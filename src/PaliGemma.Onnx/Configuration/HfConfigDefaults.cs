namespace PaliGemma.Onnx.Configuration;

/// <summary>
/// The defaults Hugging Face transformers applies when a config omits a key. Sources (transformers main):
/// <c>models/gemma/configuration_gemma.py</c> (GemmaConfig), <c>models/gemma2/configuration_gemma2.py</c>
/// (Gemma2Config), <c>models/siglip/configuration_siglip.py</c> (SiglipVisionConfig) and
/// <c>models/paligemma/configuration_paligemma.py</c> (PaliGemmaConfig: its own sub-configs when absent).
/// </summary>
public static class HfConfigDefaults
{
    /// <summary>PaliGemmaConfig <c>image_token_index</c> default (256000; released checkpoints set 257152).</summary>
    public const int PaliGemmaImageTokenIndex = 256000;

    /// <summary>PaliGemmaConfig <c>vocab_size</c> default.</summary>
    public const int PaliGemmaVocabSize = 257152;

    /// <summary>PaliGemmaConfig <c>projection_dim</c> default.</summary>
    public const int PaliGemmaProjectionDim = 2048;

    /// <summary>GemmaConfig defaults (gemma-7b shape).</summary>
    public static GemmaTextConfig Gemma { get; } = new()
    {
        ModelType = "gemma",
        VocabSize = 256000,
        HiddenSize = 3072,
        IntermediateSize = 24576,
        NumHiddenLayers = 28,
        NumAttentionHeads = 16,
        NumKeyValueHeads = 16,
        HeadDim = 256,
        MaxPositionEmbeddings = 8192,
        RmsNormEps = 1e-6f,
        RopeTheta = 10000f,
        QueryPreAttnScalar = 256f,
        AttnLogitSoftcapping = null,
        FinalLogitSoftcapping = null,
        SlidingWindow = null,
    };

    /// <summary>Gemma2Config defaults (gemma-2-2b shape).</summary>
    public static GemmaTextConfig Gemma2 { get; } = new()
    {
        ModelType = "gemma2",
        VocabSize = 256000,
        HiddenSize = 2304,
        IntermediateSize = 9216,
        NumHiddenLayers = 26,
        NumAttentionHeads = 8,
        NumKeyValueHeads = 4,
        HeadDim = 256,
        MaxPositionEmbeddings = 8192,
        RmsNormEps = 1e-6f,
        RopeTheta = 10000f,
        QueryPreAttnScalar = 256f,
        AttnLogitSoftcapping = 50f,
        FinalLogitSoftcapping = 30f,
        SlidingWindow = 4096,
    };

    /// <summary>SiglipVisionConfig defaults (siglip-base-patch16-224 shape).</summary>
    public static SiglipVisionConfig Siglip { get; } = new()
    {
        HiddenSize = 768,
        IntermediateSize = 3072,
        NumHiddenLayers = 12,
        NumAttentionHeads = 12,
        NumChannels = 3,
        ImageSize = 224,
        PatchSize = 16,
        LayerNormEps = 1e-6f,
    };

    /// <summary>The vision config PaliGemmaConfig builds when <c>vision_config</c> is absent (note intermediate 4096, as transformers writes it).</summary>
    public static SiglipVisionConfig PaliGemmaDefaultVision { get; } = new()
    {
        HiddenSize = 1152,
        IntermediateSize = 4096,
        NumHiddenLayers = 27,
        NumAttentionHeads = 16,
        PatchSize = 14,
        ImageSize = 224,
        NumChannels = 3,
        LayerNormEps = 1e-6f,
    };

    /// <summary>The text config PaliGemmaConfig builds when <c>text_config</c> is absent.</summary>
    /// <param name="vocabSize">The top-level <c>vocab_size</c>.</param>
    public static GemmaTextConfig PaliGemmaDefaultText(int vocabSize) => Gemma with
    {
        HiddenSize = 2048,
        NumHiddenLayers = 18,
        IntermediateSize = 16384,
        NumAttentionHeads = 8,
        NumKeyValueHeads = 1,
        VocabSize = vocabSize,
    };
}
