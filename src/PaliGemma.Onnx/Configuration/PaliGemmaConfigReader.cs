using System.Text.Json;
using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Configuration;

/// <summary>
/// Reads a Hugging Face PaliGemma <c>config.json</c> into a <see cref="PaliGemmaConfig"/>, applying the defaults
/// transformers applies when keys are omitted (see <see cref="HfConfigDefaults"/>).
/// </summary>
public static class PaliGemmaConfigReader
{
    /// <summary>The config file name inside a checkpoint folder.</summary>
    public const string FileName = "config.json";

    /// <summary>Reads and validates a PaliGemma <c>config.json</c>.</summary>
    /// <param name="configJsonPath">Path of the file.</param>
    /// <exception cref="CheckpointException">The file is missing, not JSON, not a PaliGemma config, or inconsistent; the message names the file and key.</exception>
    public static PaliGemmaConfig Read(string configJsonPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(configJsonPath);
        var options = new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
        return CheckpointJsonFile.Read(configJsonPath, "Config", $"a Hugging Face PaliGemma checkpoint folder must contain '{FileName}'", options, root =>
            root.ValueKind == JsonValueKind.Object
                ? Parse(new JsonConfigObject(configJsonPath, string.Empty, root))
                : throw new CheckpointException($"Config '{configJsonPath}' must be a JSON object."));
    }

    private static PaliGemmaConfig Parse(JsonConfigObject root)
    {
        string? modelType = root.GetString("model_type");
        if (!string.Equals(modelType, "paligemma", StringComparison.Ordinal))
        {
            throw root.Error("model_type", modelType is null ? "is missing; expected 'paligemma'" : $"is '{modelType}'; only 'paligemma' (PaliGemma 1 and 2) is supported");
        }

        int topVocab = root.GetInt("vocab_size", HfConfigDefaults.PaliGemmaVocabSize);
        JsonConfigObject? textObject = root.GetObject("text_config");
        GemmaTextConfig text = textObject is { } t ? ParseText(t, topVocab, root.Has("vocab_size")) : HfConfigDefaults.PaliGemmaDefaultText(topVocab);
        JsonConfigObject? visionObject = root.GetObject("vision_config");
        SiglipVisionConfig vision = visionObject is { } v ? ParseVision(v) : HfConfigDefaults.PaliGemmaDefaultVision;

        int imageToken = root.Has("image_token_index")
            ? root.GetInt("image_token_index", 0, 0)
            : root.GetInt("image_token_id", HfConfigDefaults.PaliGemmaImageTokenIndex, 0);
        string imageKey = root.Has("image_token_index") ? "image_token_index" : "image_token_id";
        int projectionDim = root.GetInt("projection_dim", HfConfigDefaults.PaliGemmaProjectionDim);
        int pad = root.GetInt("pad_token_id", textObject?.GetInt("pad_token_id", 0, 0) ?? 0, 0);
        int eos = root.GetInt("eos_token_id", textObject?.GetInt("eos_token_id", 1, 0) ?? 1, 0);
        int bos = root.GetInt("bos_token_id", textObject?.GetInt("bos_token_id", 2, 0) ?? 2, 0);

        if (imageToken >= text.VocabSize)
        {
            throw root.Error(imageKey, $"{imageToken} is outside the text vocabulary of {text.VocabSize} tokens");
        }

        if (projectionDim != text.HiddenSize)
        {
            throw root.Error("projection_dim", $"{projectionDim} differs from text_config.hidden_size {text.HiddenSize}; the projector output feeds the decoder directly");
        }

        foreach ((string key, int id) in new[] { ("pad_token_id", pad), ("eos_token_id", eos), ("bos_token_id", bos) })
        {
            if (id >= text.VocabSize)
            {
                throw root.Error(key, $"{id} is outside the text vocabulary of {text.VocabSize} tokens");
            }
        }

        return new PaliGemmaConfig
        {
            Vision = vision,
            Text = text,
            ImageTokenIndex = imageToken,
            ProjectionDim = projectionDim,
            PadTokenId = pad,
            EosTokenId = eos,
            BosTokenId = bos,
        };
    }

    private static GemmaTextConfig ParseText(JsonConfigObject text, int topVocab, bool hasTopVocab)
    {
        string modelType = text.GetString("model_type") ?? "gemma";
        GemmaTextConfig defaults = modelType switch
        {
            "gemma" => HfConfigDefaults.Gemma,
            "gemma2" => HfConfigDefaults.Gemma2,
            _ => throw text.Error("model_type", $"is '{modelType}'; expected 'gemma' (PaliGemma 1) or 'gemma2' (PaliGemma 2)"),
        };

        int hidden = text.GetInt("hidden_size", defaults.HiddenSize);
        int heads = text.GetInt("num_attention_heads", defaults.NumAttentionHeads);
        int kvHeads = text.GetInt("num_key_value_heads", defaults.NumKeyValueHeads);
        int headDim = text.GetInt("head_dim", defaults.HeadDim);
        int vocab = text.GetInt("vocab_size", hasTopVocab ? topVocab : defaults.VocabSize);
        if (heads % kvHeads != 0)
        {
            throw text.Error("num_key_value_heads", $"{kvHeads} does not divide num_attention_heads {heads}");
        }

        float ropeTheta = text.GetFloat("rope_theta", text.GetObject("rope_parameters")?.GetFloat("rope_theta", defaults.RopeTheta) ?? defaults.RopeTheta);
        bool gemma2 = modelType == "gemma2";
        return new GemmaTextConfig
        {
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = text.GetInt("intermediate_size", defaults.IntermediateSize),
            NumHiddenLayers = text.GetInt("num_hidden_layers", defaults.NumHiddenLayers),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            VocabSize = vocab,
            RmsNormEps = text.GetFloat("rms_norm_eps", defaults.RmsNormEps),
            RopeTheta = ropeTheta,

            // Gemma 1 scales attention scores by head_dim^-0.5; Gemma 2 by query_pre_attn_scalar^-0.5.
            QueryPreAttnScalar = gemma2 ? text.GetFloat("query_pre_attn_scalar", defaults.QueryPreAttnScalar) : headDim,
            AttnLogitSoftcapping = gemma2 ? text.GetOptionalFloat("attn_logit_softcapping", defaults.AttnLogitSoftcapping) : null,
            FinalLogitSoftcapping = gemma2 ? text.GetOptionalFloat("final_logit_softcapping", defaults.FinalLogitSoftcapping) : null,
            SlidingWindow = gemma2 ? text.GetOptionalInt("sliding_window", defaults.SlidingWindow) : null,
            MaxPositionEmbeddings = text.GetInt("max_position_embeddings", defaults.MaxPositionEmbeddings),
        };
    }

    private static SiglipVisionConfig ParseVision(JsonConfigObject vision)
    {
        string modelType = vision.GetString("model_type") ?? "siglip_vision_model";
        if (modelType != "siglip_vision_model")
        {
            throw vision.Error("model_type", $"is '{modelType}'; expected 'siglip_vision_model'");
        }

        SiglipVisionConfig d = HfConfigDefaults.Siglip;
        int hidden = vision.GetInt("hidden_size", d.HiddenSize);
        int heads = vision.GetInt("num_attention_heads", d.NumAttentionHeads);
        int patch = vision.GetInt("patch_size", d.PatchSize);
        int image = vision.GetInt("image_size", d.ImageSize);
        if (hidden % heads != 0)
        {
            throw vision.Error("num_attention_heads", $"{heads} does not divide hidden_size {hidden}");
        }

        if (image % patch != 0)
        {
            throw vision.Error("image_size", $"{image} is not a multiple of patch_size {patch}");
        }

        return new SiglipVisionConfig
        {
            HiddenSize = hidden,
            IntermediateSize = vision.GetInt("intermediate_size", d.IntermediateSize),
            NumHiddenLayers = vision.GetInt("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = heads,
            PatchSize = patch,
            ImageSize = image,
            NumChannels = vision.GetInt("num_channels", d.NumChannels),
            LayerNormEps = vision.GetFloat("layer_norm_eps", d.LayerNormEps),
        };
    }
}
