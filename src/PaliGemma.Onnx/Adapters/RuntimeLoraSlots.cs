using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Adapters;

/// <summary>
/// Implemented by a checkpoint reader whose linear layers get run-time LoRA inputs in the exported graphs: the weight
/// loader asks it, per linear weight, whether to add the two zero-rank LoRA inputs (see <see cref="RuntimeLoraNames"/>).
/// </summary>
internal interface IRuntimeLoraSlots
{
    /// <summary>Whether the linear layer with canonical weight <paramref name="weight"/> gets run-time LoRA inputs.</summary>
    bool HasRuntimeLora(string weight);
}

/// <summary>The graph-input names of run-time LoRA slots; the converter's graphs and its <c>.onnx_adapter</c> files both use them.</summary>
internal static class RuntimeLoraNames
{
    private const string Prefix = "lora.";

    /// <summary>The inputs A [in, rank] and B [rank, out] of the linear layer whose canonical weight is <paramref name="weight"/>.</summary>
    public static (string A, string B) Inputs(string weight)
    {
        string module = Module(weight);
        return (Prefix + module + ".A", Prefix + module + ".B");
    }

    /// <summary>The symbolic rank dimension of a slot (one per layer: ranks may differ per layer and per adapter).</summary>
    public static string RankSymbol(string weight) => "lora_rank." + Module(weight);

    private static string Module(string weight) =>
        weight.EndsWith(".weight", StringComparison.Ordinal) ? weight[..^".weight".Length] : weight;
}

/// <summary>
/// A checkpoint whose listed linear layers get run-time LoRA slots when exported (the union of the targets of every
/// adapter converted alongside the base); tensors read exactly as the wrapped reader returns them.
/// </summary>
internal sealed class RuntimeLoraCheckpoint(ICheckpointReader inner, IReadOnlySet<string> slots) : ICheckpointReader, IRuntimeLoraSlots
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Names => inner.Names;

    /// <inheritdoc/>
    public bool HasRuntimeLora(string weight) => slots.Contains(weight);

    /// <inheritdoc/>
    public bool Contains(string name) => inner.Contains(name);

    /// <inheritdoc/>
    public TensorInfo GetInfo(string name) => inner.GetInfo(name);

    /// <inheritdoc/>
    public void ReadFloat32(string name, Span<float> destination) => inner.ReadFloat32(name, destination);

    /// <inheritdoc/>
    public void ReadFloat32(string name, long elementOffset, Span<float> destination) => inner.ReadFloat32(name, elementOffset, destination);

    /// <summary>The wrapped reader is owned by the caller.</summary>
    public void Dispose()
    {
    }
}
