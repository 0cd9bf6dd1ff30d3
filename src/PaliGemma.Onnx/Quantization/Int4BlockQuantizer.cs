namespace PaliGemma.Onnx.Quantization;

/// <summary>
/// Block-wise round-to-nearest 4-bit quantisation of row-major [N, K] weights (Hugging Face's [out, in] linear layout,
/// which is MatMulNBits' B layout, so no transpose is needed).
/// </summary>
/// <remarks>
/// Symmetric: scale = max|w| / 7, code = clamp(round(w / scale), −8, 7) + 8, so every element is within scale / 2.
/// Asymmetric: scale = (max − min) / 15 over the block with 0 included in the range, zero point = round(−min / scale),
/// code = clamp(round(w / scale) + zero point, 0, 15); the error is within scale / 2 except where the rounded zero point
/// pushes an extreme out of range (within one scale). An all-zero block gets scale 0. The padding of a last partial block
/// stores the zero point so it dequantises to 0.
/// </remarks>
public static class Int4BlockQuantizer
{
    /// <summary>The implicit zero point of symmetric blocks.</summary>
    public const int SymmetricZeroPoint = 8;

    /// <summary>Quantises <paramref name="weights"/> ([<paramref name="rows"/>, <paramref name="columns"/>], row-major).</summary>
    /// <param name="weights">The matrix.</param>
    /// <param name="rows">N.</param>
    /// <param name="columns">K.</param>
    /// <param name="blockSize">Elements per block: an even number ≥ 16.</param>
    /// <param name="symmetric">Symmetric blocks (no zero-point tensor) or asymmetric ones.</param>
    /// <returns>The quantised matrix.</returns>
    /// <exception cref="ArgumentException">The sizes do not match or the block size is invalid; non-finite weights.</exception>
    public static Int4Matrix Quantize(ReadOnlySpan<float> weights, int rows, int columns, int blockSize, bool symmetric)
    {
        CheckShape(rows, columns, blockSize);
        if (weights.Length != (long)rows * columns)
        {
            throw new ArgumentException($"Got {weights.Length} weights for a [{rows}, {columns}] matrix.", nameof(weights));
        }

        int blocks = BlocksPerRow(columns, blockSize);
        var packed = new byte[(long)rows * blocks * (blockSize / 2)];
        var scales = new float[(long)rows * blocks];
        byte[]? zeroPoints = symmetric ? null : new byte[(long)rows * ZeroPointBytesPerRow(columns, blockSize)];
        QuantizeRows(weights, rows, columns, blockSize, symmetric, packed, scales, zeroPoints);
        return new Int4Matrix(rows, columns, blockSize, packed, scales, zeroPoints);
    }

    /// <summary>Gets the number of blocks per row of a matrix with <paramref name="columns"/> input features.</summary>
    /// <param name="columns">K.</param>
    /// <param name="blockSize">Elements per block.</param>
    public static int BlocksPerRow(int columns, int blockSize) => (columns + blockSize - 1) / blockSize;

    /// <summary>Gets the bytes of packed zero points per row (two 4-bit zero points a byte).</summary>
    /// <param name="columns">K.</param>
    /// <param name="blockSize">Elements per block.</param>
    public static int ZeroPointBytesPerRow(int columns, int blockSize) => (BlocksPerRow(columns, blockSize) + 1) / 2;

    /// <summary>
    /// Quantises <paramref name="rows"/> consecutive rows into caller-owned buffers, so a large matrix can be quantised a
    /// slice of rows at a time (rows are independent: blocks run along K). The outputs are exactly the corresponding rows of
    /// <see cref="Quantize"/>'s <see cref="Int4Matrix.Packed"/>, <see cref="Int4Matrix.Scales"/> and <see cref="Int4Matrix.ZeroPoints"/>.
    /// </summary>
    /// <param name="weights">The rows, row-major ([<paramref name="rows"/>, <paramref name="columns"/>]).</param>
    /// <param name="rows">The number of rows in this slice.</param>
    /// <param name="columns">K.</param>
    /// <param name="blockSize">Elements per block: an even number ≥ 16.</param>
    /// <param name="symmetric">Symmetric blocks (no zero points) or asymmetric ones.</param>
    /// <param name="packed">Receives rows · blocks · block / 2 bytes.</param>
    /// <param name="scales">Receives rows · blocks scales.</param>
    /// <param name="zeroPoints">Receives rows · ⌈blocks / 2⌉ bytes (asymmetric); ignored (may be empty) when symmetric.</param>
    /// <exception cref="ArgumentException">The sizes do not match or the block size is invalid; non-finite weights.</exception>
    public static void QuantizeRows(ReadOnlySpan<float> weights, int rows, int columns, int blockSize, bool symmetric, Span<byte> packed, Span<float> scales, Span<byte> zeroPoints)
    {
        CheckShape(rows, columns, blockSize);
        int blocks = BlocksPerRow(columns, blockSize);
        int blob = blockSize / 2;
        int zpPerRow = ZeroPointBytesPerRow(columns, blockSize);
        if (weights.Length != (long)rows * columns || packed.Length != (long)rows * blocks * blob || scales.Length != (long)rows * blocks
            || (!symmetric && zeroPoints.Length != (long)rows * zpPerRow))
        {
            throw new ArgumentException($"Buffer sizes do not match {rows} rows of {columns} weights in blocks of {blockSize}.", nameof(weights));
        }

        if (!symmetric)
        {
            zeroPoints.Clear();
        }

        Span<byte> codes = stackalloc byte[blockSize];
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<float> row = weights.Slice(checked(n * columns), columns);
            for (int blk = 0; blk < blocks; blk++)
            {
                int start = blk * blockSize;
                ReadOnlySpan<float> values = row.Slice(start, Math.Min(blockSize, columns - start));
                int scaleIndex = (n * blocks) + blk;
                int zero = symmetric
                    ? QuantizeSymmetric(values, codes, out scales[scaleIndex])
                    : QuantizeAsymmetric(values, codes, out scales[scaleIndex]);
                codes[values.Length..].Fill((byte)zero);

                int offset = scaleIndex * blob;
                for (int i = 0; i < blob; i++)
                {
                    packed[offset + i] = (byte)(codes[2 * i] | (codes[(2 * i) + 1] << 4));
                }

                if (!symmetric)
                {
                    int zi = (n * zpPerRow) + (blk / 2);
                    zeroPoints[zi] |= (byte)((blk & 1) == 0 ? zero : zero << 4);
                }
            }
        }
    }

    private static void CheckShape(int rows, int columns, int blockSize)
    {
        if (rows <= 0 || columns <= 0)
        {
            throw new ArgumentException($"Matrix shape [{rows}, {columns}] must be positive.", nameof(rows));
        }

        if (blockSize < 16 || blockSize % 2 != 0)
        {
            throw new ArgumentException($"Block size {blockSize} must be an even number of at least 16.", nameof(blockSize));
        }
    }

    private static int QuantizeSymmetric(ReadOnlySpan<float> values, Span<byte> codes, out float scale)
    {
        float max = 0;
        foreach (float v in values)
        {
            Finite(v);
            max = Math.Max(max, Math.Abs(v));
        }

        scale = max / 7f;
        float inverse = scale == 0 ? 0 : 1f / scale;
        for (int i = 0; i < values.Length; i++)
        {
            codes[i] = (byte)(Math.Clamp((int)MathF.Round(values[i] * inverse), -8, 7) + SymmetricZeroPoint);
        }

        return SymmetricZeroPoint;
    }

    private static int QuantizeAsymmetric(ReadOnlySpan<float> values, Span<byte> codes, out float scale)
    {
        float min = 0, max = 0;
        foreach (float v in values)
        {
            Finite(v);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        scale = (max - min) / 15f;
        float inverse = scale == 0 ? 0 : 1f / scale;
        int zero = scale == 0 ? 0 : Math.Clamp((int)MathF.Round(-min * inverse), 0, 15);
        for (int i = 0; i < values.Length; i++)
        {
            codes[i] = (byte)Math.Clamp((int)MathF.Round(values[i] * inverse) + zero, 0, 15);
        }

        return zero;
    }

    private static void Finite(float v)
    {
        if (!float.IsFinite(v))
        {
            throw new ArgumentException($"Cannot quantise the non-finite weight {v}.");
        }
    }
}
