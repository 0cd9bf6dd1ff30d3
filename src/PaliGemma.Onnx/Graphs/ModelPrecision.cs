namespace PaliGemma.Onnx.Graphs;

/// <summary>Storage precision of the exported weights.</summary>
public enum ModelPrecision
{
    /// <summary>All weights float32; everything computed in float32.</summary>
    Float32,

    /// <summary>
    /// Matrix weights (linear layers, embeddings, patch convolution, position embeddings) stored as float16 and
    /// multiplied in float16; norms, softmax, residual adds, RoPE, soft caps and all graph inputs/outputs stay float32.
    /// </summary>
    Float16,

    /// <summary>
    /// Linear layers of the vision tower, projector and decoder (and, by default, a copy of the tied language-model head)
    /// stored as 4-bit blocks and multiplied by <c>com.microsoft.MatMulNBits</c> on float32 activations
    /// (see <see cref="Quantization.Int4QuantizationOptions"/>); the token embedding table is float16; patch convolution,
    /// position embeddings, norms and biases stay float32.
    /// </summary>
    Int4,
}

/// <summary>Progress of an export: <paramref name="Done"/> of <paramref name="Total"/> weight tensors of a stage written.</summary>
/// <param name="Stage">The graph being written (<c>vision</c> or <c>decoder</c>).</param>
/// <param name="Done">Tensors written so far.</param>
/// <param name="Total">Tensors the stage writes.</param>
public readonly record struct ExportProgress(string Stage, long Done, long Total);
