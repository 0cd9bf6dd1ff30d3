namespace PaliGemma.ModelFormat;

/// <summary>
/// The input and output names of the decoder graph (<see cref="ModelFileNames.Decoder"/>). <c>genai_config.json</c> maps
/// ONNX Runtime GenAI's roles to them (<see cref="GenAiConfigKeys.Inputs"/>, <see cref="GenAiConfigKeys.Outputs"/>),
/// except <see cref="ImageFeatures"/>, an extra input the runtime binds itself.
/// </summary>
public static class DecoderGraphNames
{
    /// <summary>Token ids, int64 [batch, seq].</summary>
    public const string InputIds = "input_ids";

    /// <summary>Padding mask (1 = token, 0 = padding) over past + current tokens, int64 [batch, total seq].</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>0-based positions, int64 [batch, seq] (the graph adds 1, as Hugging Face does).</summary>
    public const string PositionIds = "position_ids";

    /// <summary>The extra input: image feature rows [image rows, hidden], taken in order by the <c>&lt;image&gt;</c> tokens (may have 0 rows, and must always be bound).</summary>
    public const string ImageFeatures = VisionGraphNames.ImageFeatures;

    /// <summary>The logits output.</summary>
    public const string Logits = "logits";

    /// <summary>Past key inputs, ONNX Runtime GenAI's template (<c>%d</c> = layer).</summary>
    public const string PastKeyTemplate = "past_key_values.%d.key";

    /// <summary>Past value inputs (<c>%d</c> = layer).</summary>
    public const string PastValueTemplate = "past_key_values.%d.value";

    /// <summary>Present key outputs (<c>%d</c> = layer).</summary>
    public const string PresentKeyTemplate = "present.%d.key";

    /// <summary>Present value outputs (<c>%d</c> = layer).</summary>
    public const string PresentValueTemplate = "present.%d.value";
}
