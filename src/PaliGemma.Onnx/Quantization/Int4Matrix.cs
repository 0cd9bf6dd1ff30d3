namespace PaliGemma.Onnx.Quantization;

/// <summary>
/// A [N, K] float matrix quantised to 4 bits in MatMulNBits' layout: row n (an output feature) is split into
/// ⌈K / block⌉ blocks along K; each block stores <c>block / 2</c> bytes, element 2i in the low nibble and 2i + 1 in the
/// high nibble, plus one scale and one zero point. Dequantised value = (q − zero point) · scale.
/// </summary>
/// <param name="Rows">N, the output features.</param>
/// <param name="Columns">K, the input features.</param>
/// <param name="BlockSize">Elements per block.</param>
/// <param name="Packed">uint8 [N, blocks, block / 2].</param>
/// <param name="Scales">float32 [N · blocks].</param>
/// <param name="ZeroPoints">uint8 [N, ⌈blocks / 2⌉] (two per byte, low nibble first), or null for symmetric blocks (zero point 8).</param>
public sealed record Int4Matrix(int Rows, int Columns, int BlockSize, byte[] Packed, float[] Scales, byte[]? ZeroPoints)
{
    /// <summary>Gets the number of blocks per row.</summary>
    public int BlocksPerRow => (Columns + BlockSize - 1) / BlockSize;

    /// <summary>Gets the bytes per block.</summary>
    public int BlobSize => BlockSize / 2;

    /// <summary>Gets the bytes of packed zero points per row.</summary>
    public int ZeroPointBytesPerRow => (BlocksPerRow + 1) / 2;

    /// <summary>Gets the zero point of block <paramref name="block"/> of row <paramref name="row"/>.</summary>
    public int ZeroPoint(int row, int block)
    {
        if (ZeroPoints is null)
        {
            return Int4BlockQuantizer.SymmetricZeroPoint;
        }

        byte b = ZeroPoints[((long)row * ZeroPointBytesPerRow) + (block / 2)];
        return (block & 1) == 0 ? b & 0x0F : b >> 4;
    }

    /// <summary>Gets the 4-bit code of element (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public int Code(int row, int column)
    {
        int block = column / BlockSize, within = column % BlockSize;
        byte b = Packed[((((long)row * BlocksPerRow) + block) * BlobSize) + (within / 2)];
        return (within & 1) == 0 ? b & 0x0F : b >> 4;
    }

    /// <summary>Dequantises the whole matrix into a new row-major [N, K] array.</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)Rows * Columns];
        for (int n = 0; n < Rows; n++)
        {
            for (int k = 0; k < Columns; k++)
            {
                int block = k / BlockSize;
                result[((long)n * Columns) + k] = (Code(n, k) - ZeroPoint(n, block)) * Scales[((long)n * BlocksPerRow) + block];
            }
        }

        return result;
    }
}
