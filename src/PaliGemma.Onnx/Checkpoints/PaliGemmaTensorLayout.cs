using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>The kind of initialisation a tensor gets in a random checkpoint.</summary>
public enum TensorRole
{
    /// <summary>A weight matrix or convolution kernel.</summary>
    Weight,

    /// <summary>A bias vector.</summary>
    Bias,

    /// <summary>An embedding table (token or position).</summary>
    Embedding,

    /// <summary>A LayerNorm scale (applied as <c>x * w</c>, so around 1).</summary>
    LayerNormScale,

    /// <summary>A Gemma RMSNorm scale (applied as <c>x * (1 + w)</c>, so around 0).</summary>
    RmsNormScale,
}

/// <summary>One tensor a PaliGemma checkpoint must hold: canonical name, shape and role.</summary>
/// <param name="Name">Canonical name (see <see cref="CheckpointKeys"/>).</param>
/// <param name="Shape">Expected shape.</param>
/// <param name="Role">What the tensor is, for initialisation.</param>
public sealed record ExpectedTensor(string Name, IReadOnlyList<long> Shape, TensorRole Role);

/// <summary>The tensor names and shapes of a Hugging Face PaliGemma checkpoint, derived from its config.</summary>
public static class PaliGemmaTensorLayout
{
    /// <summary>Prefix of the SigLIP tower.</summary>
    public const string VisionPrefix = "vision_tower.vision_model.";

    /// <summary>Prefix of the Gemma decoder.</summary>
    public const string TextPrefix = "language_model.model.";

    /// <summary>Lists every tensor the checkpoint must contain (the tied <c>lm_head</c> is optional and not listed).</summary>
    /// <param name="config">The checkpoint configuration.</param>
    public static IReadOnlyList<ExpectedTensor> Expected(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var list = new List<ExpectedTensor>();
        SiglipVisionConfig v = config.Vision;
        long h = v.HiddenSize;
        string e = VisionPrefix + "embeddings.";
        list.Add(new(e + "patch_embedding.weight", [h, v.NumChannels, v.PatchSize, v.PatchSize], TensorRole.Weight));
        list.Add(new(e + "patch_embedding.bias", [h], TensorRole.Bias));
        list.Add(new(e + "position_embedding.weight", [v.NumPatches, h], TensorRole.Embedding));
        for (int i = 0; i < v.NumHiddenLayers; i++)
        {
            string l = $"{VisionPrefix}encoder.layers.{i}.";
            AddLayerNorm(list, l + "layer_norm1", h);
            foreach (string proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                AddLinear(list, $"{l}self_attn.{proj}", h, h);
            }

            AddLayerNorm(list, l + "layer_norm2", h);
            AddLinear(list, l + "mlp.fc1", v.IntermediateSize, h);
            AddLinear(list, l + "mlp.fc2", h, v.IntermediateSize);
        }

        AddLayerNorm(list, VisionPrefix + "post_layernorm", h);
        AddLinear(list, "multi_modal_projector.linear", config.ProjectionDim, h);

        GemmaTextConfig t = config.Text;
        long d = t.HiddenSize;
        long q = (long)t.NumAttentionHeads * t.HeadDim;
        long kv = (long)t.NumKeyValueHeads * t.HeadDim;
        list.Add(new(TextPrefix + "embed_tokens.weight", [t.VocabSize, d], TensorRole.Embedding));
        for (int i = 0; i < t.NumHiddenLayers; i++)
        {
            string l = $"{TextPrefix}layers.{i}.";
            list.Add(new(l + "self_attn.q_proj.weight", [q, d], TensorRole.Weight));
            list.Add(new(l + "self_attn.k_proj.weight", [kv, d], TensorRole.Weight));
            list.Add(new(l + "self_attn.v_proj.weight", [kv, d], TensorRole.Weight));
            list.Add(new(l + "self_attn.o_proj.weight", [d, q], TensorRole.Weight));
            list.Add(new(l + "mlp.gate_proj.weight", [t.IntermediateSize, d], TensorRole.Weight));
            list.Add(new(l + "mlp.up_proj.weight", [t.IntermediateSize, d], TensorRole.Weight));
            list.Add(new(l + "mlp.down_proj.weight", [d, t.IntermediateSize], TensorRole.Weight));
            list.Add(new(l + "input_layernorm.weight", [d], TensorRole.RmsNormScale));
            list.Add(new(l + "post_attention_layernorm.weight", [d], TensorRole.RmsNormScale));
            if (t.IsGemma2)
            {
                list.Add(new(l + "pre_feedforward_layernorm.weight", [d], TensorRole.RmsNormScale));
                list.Add(new(l + "post_feedforward_layernorm.weight", [d], TensorRole.RmsNormScale));
            }
        }

        list.Add(new(TextPrefix + "norm.weight", [d], TensorRole.RmsNormScale));
        return list;
    }

    /// <summary>
    /// Checks that <paramref name="reader"/> holds every expected tensor with the expected shape (and, if present, a
    /// tied <c>lm_head</c> of the embedding's shape); reports every problem in one <see cref="CheckpointException"/>.
    /// </summary>
    /// <param name="config">The checkpoint configuration.</param>
    /// <param name="reader">The weights.</param>
    /// <param name="source">A description of the checkpoint for the message (folder or file).</param>
    public static void Validate(PaliGemmaConfig config, ICheckpointReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var problems = new List<string>();
        IReadOnlyList<ExpectedTensor> expected = Expected(config);
        foreach (ExpectedTensor tensor in expected)
        {
            if (!reader.Contains(tensor.Name))
            {
                problems.Add($"missing tensor '{tensor.Name}' (expected shape [{string.Join(", ", tensor.Shape)}])");
                continue;
            }

            IReadOnlyList<long> shape = reader.GetInfo(tensor.Name).Shape;
            if (!shape.SequenceEqual(tensor.Shape))
            {
                problems.Add($"tensor '{tensor.Name}' has shape [{string.Join(", ", shape)}], expected [{string.Join(", ", tensor.Shape)}]");
            }
        }

        if (reader.Contains(CheckpointKeys.CanonicalLmHead))
        {
            IReadOnlyList<long> shape = reader.GetInfo(CheckpointKeys.CanonicalLmHead).Shape;
            if (!shape.SequenceEqual([config.Text.VocabSize, config.Text.HiddenSize]))
            {
                problems.Add($"tensor '{CheckpointKeys.CanonicalLmHead}' has shape [{string.Join(", ", shape)}], expected [{config.Text.VocabSize}, {config.Text.HiddenSize}]");
            }
        }

        if (problems.Count > 0)
        {
            const int shown = 10;
            string more = problems.Count > shown ? $" (and {problems.Count - shown} more)" : string.Empty;
            throw new CheckpointException($"Checkpoint '{source}' does not match its config: {string.Join("; ", problems.Take(shown))}{more}.");
        }
    }

    private static void AddLinear(List<ExpectedTensor> list, string name, long outFeatures, long inFeatures)
    {
        list.Add(new(name + ".weight", [outFeatures, inFeatures], TensorRole.Weight));
        list.Add(new(name + ".bias", [outFeatures], TensorRole.Bias));
    }

    private static void AddLayerNorm(List<ExpectedTensor> list, string name, long width)
    {
        list.Add(new(name + ".weight", [width], TensorRole.LayerNormScale));
        list.Add(new(name + ".bias", [width], TensorRole.Bias));
    }
}
