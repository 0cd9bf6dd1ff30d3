namespace PaliGemma.Onnx.Quantization;

/// <summary>
/// Settings of <see cref="Graphs.ModelPrecision.Int4"/> exports: linear layers become <c>com.microsoft.MatMulNBits</c>
/// nodes with 4-bit weights quantised in blocks along the input dimension.
/// </summary>
public sealed record Int4QuantizationOptions
{
    /// <summary>The block sizes MatMulNBits accepts here.</summary>
    public static IReadOnlyList<int> SupportedBlockSizes { get; } = [16, 32, 64, 128];

    /// <summary>Gets the number of consecutive input elements sharing one scale (16, 32, 64 or 128; default 32; 16 costs 1.2× the bytes of 32 and keeps more accuracy).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>
    /// Gets a value indicating whether blocks are symmetric (zero point 8, no zero-point tensor; default true) or
    /// asymmetric (per-block minimum/maximum with a stored 4-bit zero point).
    /// </summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// Gets MatMulNBits' <c>accuracy_level</c>: the lowest compute type the kernel may use — 0 unset, 1 float32,
    /// 2 float16, 3 bfloat16, 4 int8 (default; on x64 CPUs ONNX Runtime quantises the activations to int8 per block).
    /// </summary>
    public int AccuracyLevel { get; init; } = 4;

    /// <summary>
    /// Gets a value indicating whether the language-model head (tied to the embedding table) is also quantised, as a
    /// separate MatMulNBits copy of the table (default true). The embedding table itself stays float16 for the Gather.
    /// When false the head multiplies with the float16 table.
    /// </summary>
    public bool QuantizeLmHead { get; init; } = true;

    /// <summary>
    /// Gets the block size of the language-model head's 4-bit copy (16, 32, 64 or 128; default 128). The head reads the
    /// whole vocabulary × hidden table every decoded token (about 45 % of a PaliGemma 3B int4 decode step's weight bytes),
    /// and larger blocks decode faster (fewer scales to read and apply: +11 % decode at PaliGemma 1 widths against block
    /// 32) while the bundled model scored the same (docs/performance.md, "int4 precision mixes").
    /// </summary>
    public int HeadBlockSize { get; init; } = 128;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!SupportedBlockSizes.Contains(BlockSize))
        {
            throw new ArgumentException($"Int4 block size {BlockSize} is not supported; use 16, 32, 64 or 128.", nameof(BlockSize));
        }

        if (!SupportedBlockSizes.Contains(HeadBlockSize))
        {
            throw new ArgumentException($"Int4 head block size {HeadBlockSize} is not supported; use 16, 32, 64 or 128.", nameof(HeadBlockSize));
        }

        if (AccuracyLevel is < 0 or > 4)
        {
            throw new ArgumentException($"MatMulNBits accuracy_level {AccuracyLevel} is outside 0..4.", nameof(AccuracyLevel));
        }
    }
}
