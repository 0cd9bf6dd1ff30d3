using PaliGemma.Onnx.Quantization;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests.Quantization;

/// <summary>The 4-bit block quantiser: MatMulNBits packing (checked against hand-packed bytes) and round-trip error.</summary>
public sealed class Int4QuantizerTests(ITestOutputHelper output)
{
    [Fact]
    public void Int4_symmetric_packs_low_nibble_first_with_zero_point_8()
    {
        // max |w| = 7 → scale 1; code = w + 8.
        float[] w = [-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 0];
        Int4Matrix q = Int4BlockQuantizer.Quantize(w, rows: 1, columns: 16, blockSize: 16, symmetric: true);

        Assert.Equal([1f], q.Scales);
        Assert.Null(q.ZeroPoints);
        Assert.Equal(new byte[] { 0x21, 0x43, 0x65, 0x87, 0xA9, 0xCB, 0xED, 0x8F }, q.Packed);
    }

    [Fact]
    public void Int4_asymmetric_packs_two_zero_points_per_byte_low_first_and_pads_each_row()
    {
        // Three blocks of 16: [0..15] → scale 1, zero 0; [−15..0] → zero 15; [−5..10] → zero 5. Two rows.
        float[] row = [.. Enumerable.Range(0, 16).Select(i => (float)i), .. Enumerable.Range(0, 16).Select(i => (float)(i - 15)), .. Enumerable.Range(0, 16).Select(i => (float)(i - 5))];
        Int4Matrix q = Int4BlockQuantizer.Quantize([.. row, .. row], rows: 2, columns: 48, blockSize: 16, symmetric: false);

        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f], q.Scales);
        Assert.Equal(new byte[] { 0xF0, 0x05, 0xF0, 0x05 }, q.ZeroPoints);
        Assert.Equal(new byte[] { 0x10, 0x32 }, q.Packed[..2]);
        Assert.Equal(2 * 3 * 8, q.Packed.Length);
        Assert.Equal(row, q.Dequantize()[..48]);
    }

    [Theory]
    [InlineData(32, true)]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(128, false)]
    public void Int4_round_trip_error_is_bounded_by_the_block_step(int blockSize, bool symmetric)
    {
        const int Rows = 7, Columns = 300; // 300 is not a multiple of any block size: the last block is partial.
        var rng = new Random(blockSize + (symmetric ? 1 : 0));
        float[] w = Enumerable.Range(0, Rows * Columns).Select(_ => (float)(rng.NextDouble() - 0.3) * (rng.Next(4) + 1)).ToArray();
        Int4Matrix q = Int4BlockQuantizer.Quantize(w, Rows, Columns, blockSize, symmetric);
        int blocks = (Columns + blockSize - 1) / blockSize;
        Assert.Equal(Rows * blocks * (blockSize / 2), q.Packed.Length);
        Assert.Equal(Rows * blocks, q.Scales.Length);
        Assert.Equal(symmetric ? null : Rows * ((blocks + 1) / 2), q.ZeroPoints?.Length);

        float[] d = q.Dequantize();
        double sumSq = 0, errSq = 0;
        for (int n = 0; n < Rows; n++)
        {
            for (int k = 0; k < Columns; k++)
            {
                int i = (n * Columns) + k;
                float step = q.Scales[(n * blocks) + (k / blockSize)];
                float bound = (symmetric ? 0.5f : 1f) * step * 1.0001f;
                Assert.True(Math.Abs(d[i] - w[i]) <= bound, $"element ({n},{k}): {w[i]} → {d[i]}, step {step}");
                sumSq += w[i] * w[i];
                errSq += (d[i] - w[i]) * (d[i] - w[i]);
            }
        }

        double relative = Math.Sqrt(errSq / sumSq);
        output.WriteLine($"block {blockSize} symmetric={symmetric}: relative RMS error {relative:F4}");
        Assert.True(relative < 0.12, $"relative RMS error {relative}");
    }

    [Fact]
    public void Int4_all_zero_block_dequantises_to_zero()
    {
        Int4Matrix q = Int4BlockQuantizer.Quantize(new float[64], 2, 32, 32, symmetric: false);
        Assert.All(q.Dequantize(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Int4_rejects_bad_input_with_clear_messages()
    {
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => Int4BlockQuantizer.Quantize([1f, float.NaN, .. new float[30]], 1, 32, 32, true)).Message);
        Assert.Contains("[2, 32]", Assert.Throws<ArgumentException>(() => Int4BlockQuantizer.Quantize(new float[32], 2, 32, 32, true)).Message);
        Assert.Contains("48", Assert.Throws<ArgumentException>(() => new Int4QuantizationOptions { BlockSize = 48 }.Validate()).Message);
        Assert.Contains("accuracy_level 5", Assert.Throws<ArgumentException>(() => new Int4QuantizationOptions { AccuracyLevel = 5 }.Validate()).Message);
    }
}
