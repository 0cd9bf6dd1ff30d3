namespace PaliGemma.Onnx.Graph;

/// <summary>
/// A linear layer's weight in the graph: either a float matrix laid out [in, out] for MatMul, or 4-bit MatMulNBits
/// inputs (packed weight [out, blocks, block / 2], scales, optional zero points).
/// </summary>
/// <param name="Name">The weight initializer (float [in, out], or the packed uint8 tensor).</param>
/// <param name="InDim">K, the input features.</param>
/// <param name="OutDim">N, the output features.</param>
/// <param name="Int4">The 4-bit details, or null for a float weight.</param>
internal readonly record struct LinearWeight(string Name, long InDim, long OutDim, Int4Weight? Int4);

/// <summary>The extra MatMulNBits inputs and attributes of a 4-bit linear weight.</summary>
/// <param name="Scales">float32 scales [out · blocks].</param>
/// <param name="ZeroPoints">Packed uint8 zero points, or null (symmetric, zero point 8).</param>
/// <param name="BlockSize">Elements per block.</param>
/// <param name="AccuracyLevel">MatMulNBits <c>accuracy_level</c>.</param>
internal sealed record Int4Weight(string Scales, string? ZeroPoints, int BlockSize, int AccuracyLevel);
