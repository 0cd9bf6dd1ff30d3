using System.Globalization;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>Canonical tensor names of a PaliGemma checkpoint and the shapes a configuration implies.</summary>
public static class PaliGemmaTensorNames
{
    /// <summary>Prefix of every vision tower tensor.</summary>
    public const string VisionTower = "vision_tower.";

    /// <summary>Prefix of every SigLIP tensor.</summary>
    public const string Vision = VisionTower + "vision_model.";

    /// <summary>Prefix of every decoder tensor.</summary>
    public const string Text = "language_model.model.";

    /// <summary>Prefix of the projector's tensors.</summary>
    public const string Projector = "multi_modal_projector.";

    /// <summary>Projector weight [projection_dim, vision hidden].</summary>
    public const string ProjectorWeight = Projector + "linear.weight";

    /// <summary>Projector bias [projection_dim].</summary>
    public const string ProjectorBias = Projector + "linear.bias";

    /// <summary>Token embedding table [vocab, hidden] (also the tied output head).</summary>
    public const string EmbedTokens = Text + "embed_tokens.weight";

    /// <summary>Final RMSNorm weight [hidden].</summary>
    public const string FinalNorm = Text + "norm.weight";

    /// <summary>Optional untied output head [vocab, hidden].</summary>
    public const string LmHead = "language_model.lm_head.weight";

    /// <summary>Prefix of vision encoder layer <paramref name="layer"/> (ends with a dot).</summary>
    public static string VisionLayer(int layer) => Vision + "encoder.layers." + layer.ToString(CultureInfo.InvariantCulture) + ".";

    /// <summary>Prefix of decoder layer <paramref name="layer"/> (ends with a dot).</summary>
    public static string TextLayer(int layer) => Text + "layers." + layer.ToString(CultureInfo.InvariantCulture) + ".";

    /// <summary>Every vision tower and projector tensor with its shape, in graph order.</summary>
    public static IReadOnlyList<TensorInfo> VisionTensors(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        SiglipVisionConfig v = config.Vision;
        long h = v.HiddenSize;
        var list = new List<TensorInfo>
        {
            F(Vision + "embeddings.patch_embedding.weight", h, v.NumChannels, v.PatchSize, v.PatchSize),
            F(Vision + "embeddings.patch_embedding.bias", h),
            F(Vision + "embeddings.position_embedding.weight", v.NumPatches, h),
        };
        for (int i = 0; i < v.NumHiddenLayers; i++)
        {
            string p = VisionLayer(i);
            list.Add(F(p + "layer_norm1.weight", h));
            list.Add(F(p + "layer_norm1.bias", h));
            foreach (string proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                list.Add(F(p + "self_attn." + proj + ".weight", h, h));
                list.Add(F(p + "self_attn." + proj + ".bias", h));
            }

            list.Add(F(p + "layer_norm2.weight", h));
            list.Add(F(p + "layer_norm2.bias", h));
            list.Add(F(p + "mlp.fc1.weight", v.IntermediateSize, h));
            list.Add(F(p + "mlp.fc1.bias", v.IntermediateSize));
            list.Add(F(p + "mlp.fc2.weight", h, v.IntermediateSize));
            list.Add(F(p + "mlp.fc2.bias", h));
        }

        list.Add(F(Vision + "post_layernorm.weight", h));
        list.Add(F(Vision + "post_layernorm.bias", h));
        list.Add(F(ProjectorWeight, config.ProjectionDim, h));
        list.Add(F(ProjectorBias, config.ProjectionDim));
        return list;
    }

    /// <summary>Every decoder tensor (tied head, so no <see cref="LmHead"/>) with its shape, in graph order.</summary>
    public static IReadOnlyList<TensorInfo> TextTensors(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        GemmaTextConfig t = config.Text;
        long h = t.HiddenSize;
        long q = (long)t.NumAttentionHeads * t.HeadDim;
        long kv = (long)t.NumKeyValueHeads * t.HeadDim;
        var list = new List<TensorInfo> { F(EmbedTokens, t.VocabSize, h) };
        for (int i = 0; i < t.NumHiddenLayers; i++)
        {
            string p = TextLayer(i);
            list.Add(F(p + "input_layernorm.weight", h));
            list.Add(F(p + "self_attn.q_proj.weight", q, h));
            list.Add(F(p + "self_attn.k_proj.weight", kv, h));
            list.Add(F(p + "self_attn.v_proj.weight", kv, h));
            list.Add(F(p + "self_attn.o_proj.weight", h, q));
            list.Add(F(p + "post_attention_layernorm.weight", h));
            if (t.IsGemma2)
            {
                list.Add(F(p + "pre_feedforward_layernorm.weight", h));
                list.Add(F(p + "post_feedforward_layernorm.weight", h));
            }

            list.Add(F(p + "mlp.gate_proj.weight", t.IntermediateSize, h));
            list.Add(F(p + "mlp.up_proj.weight", t.IntermediateSize, h));
            list.Add(F(p + "mlp.down_proj.weight", h, t.IntermediateSize));
        }

        list.Add(F(FinalNorm, h));
        return list;
    }

    /// <summary>All tensors of a tied-head checkpoint: vision, projector, decoder.</summary>
    public static IReadOnlyList<TensorInfo> AllTensors(PaliGemmaConfig config) => [.. VisionTensors(config), .. TextTensors(config)];

    private static TensorInfo F(string name, params long[] shape) => new(name, TensorDataType.Float32, shape);
}
