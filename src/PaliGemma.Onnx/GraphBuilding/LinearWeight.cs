namespace PaliGemma.Onnx.GraphBuilding;

/// <summary>
/// A linear layer's weight in the graph: either a float matrix laid out [in, out] for MatMul, or 4-bit MatMulNBits
/// inputs (packed weight [out, blocks, block / 2], scales, optional zero points).
/// </summary>
/// <param name="Name">The weight initializer (float [in, out], or the packed uint8 tensor).</param>
/// <param name="InDim">K, the input features.</param>
/// <param name="OutDim">N, the output features.</param>
/// <param name="Int4">The 4-bit details, or null for a float weight.</param>
internal readonly record struct LinearWeight(string Name, long InDim, long OutDim, Int4Weight? Int4)
{
    /// <summary>Gets the run-time LoRA inputs of this layer (float32 A [in, rank], B [rank, out]), or null when it has none.</summary>
    public RuntimeLoraInputs? Lora { get; init; }

    /// <summary>Gets, for a fused weight (several checkpoint tensors side by side), each part's run-time LoRA inputs, or null.</summary>
    public IReadOnlyList<RuntimeLoraInputs?>? PartLora { get; init; }
}

/// <summary>
/// A linear layer's run-time LoRA slot: two graph inputs that are also zero-rank initializers (A [in, 0], B [0, out]),
/// so a run without an adapter adds nothing and an ONNX Runtime LoRA adapter (<c>.onnx_adapter</c>) overrides them by name.
/// </summary>
/// <param name="A">Input name of A [in, rank] (PEFT's lora_A transposed).</param>
/// <param name="B">Input name of B [rank, out] (PEFT's lora_B transposed, times the scale).</param>
internal sealed record RuntimeLoraInputs(string A, string B);

/// <summary>The extra MatMulNBits inputs and attributes of a 4-bit linear weight.</summary>
/// <param name="Scales">float32 scales [out · blocks].</param>
/// <param name="ZeroPoints">Packed uint8 zero points, or null (symmetric, zero point 8).</param>
/// <param name="BlockSize">Elements per block.</param>
/// <param name="AccuracyLevel">MatMulNBits <c>accuracy_level</c>.</param>
internal sealed record Int4Weight(string Scales, string? ZeroPoints, int BlockSize, int AccuracyLevel);
