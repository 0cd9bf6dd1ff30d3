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

/// <summary>
/// The tensors a Hugging Face PaliGemma checkpoint must hold (names and shapes from
/// <see cref="PaliGemmaTensorNames"/>), with the role of each, and validation of a checkpoint against them.
/// </summary>
public static class PaliGemmaTensorLayout
{
    /// <summary>Lists every tensor the checkpoint must contain (the tied <c>lm_head</c> is optional and not listed).</summary>
    /// <param name="config">The checkpoint configuration.</param>
    public static IReadOnlyList<ExpectedTensor> Expected(PaliGemmaConfig config)
        => PaliGemmaTensorNames.AllTensors(config).Select(t => new ExpectedTensor(t.Name, t.Shape, RoleOf(t.Name))).ToArray();

    /// <summary>Classifies a canonical tensor name (bias, embedding, LayerNorm or RMSNorm scale, or weight).</summary>
    /// <param name="name">A canonical tensor name.</param>
    public static TensorRole RoleOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.EndsWith(".bias", StringComparison.Ordinal))
        {
            return TensorRole.Bias;
        }

        if (name.EndsWith("embed_tokens.weight", StringComparison.Ordinal) || name.EndsWith("position_embedding.weight", StringComparison.Ordinal))
        {
            return TensorRole.Embedding;
        }

        bool norm = name.EndsWith("norm.weight", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal);
        if (!norm)
        {
            return TensorRole.Weight;
        }

        return name.StartsWith(PaliGemmaTensorNames.Text, StringComparison.Ordinal) ? TensorRole.RmsNormScale : TensorRole.LayerNormScale;
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

        if (reader.Contains(PaliGemmaTensorNames.LmHead))
        {
            IReadOnlyList<long> shape = reader.GetInfo(PaliGemmaTensorNames.LmHead).Shape;
            if (!shape.SequenceEqual([config.Text.VocabSize, config.Text.HiddenSize]))
            {
                problems.Add($"tensor '{PaliGemmaTensorNames.LmHead}' has shape [{string.Join(", ", shape)}], expected [{config.Text.VocabSize}, {config.Text.HiddenSize}]");
            }
        }

        if (problems.Count > 0)
        {
            const int shown = 10;
            string more = problems.Count > shown ? $" (and {problems.Count - shown} more)" : string.Empty;
            throw new CheckpointException($"Checkpoint '{source}' does not match its config: {string.Join("; ", problems.Take(shown))}{more}.");
        }
    }
}
