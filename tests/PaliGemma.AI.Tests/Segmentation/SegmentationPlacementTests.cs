using System.Text.Json;
using Rectangle = System.Drawing.Rectangle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PaliGemma.AI.Tests.Segmentation;

public sealed class SegmentationPlacementTests
{
    private static float[] Constant(float value) => Enumerable.Repeat(value, 4096).ToArray();

    /// <summary>Logits positive in columns &lt; <paramref name="split"/> of the 64×64 grid, negative elsewhere.</summary>
    private static float[] LeftColumns(int split) => Enumerable.Range(0, 4096).Select(i => i % 64 < split ? 1f : -1f).ToArray();

    private static void AssertMaskEquals(bool[,] expected, SegmentationMask mask)
    {
        for (int y = 0; y < mask.ImageHeight; y++)
        {
            for (int x = 0; x < mask.ImageWidth; x++)
            {
                Assert.True(expected[y, x] == mask.Contains(x, y), $"pixel ({x}, {y}): expected {expected[y, x]}");
            }
        }
    }

    [Fact]
    public void Matches_big_vision_placement_computed_with_pillow()
    {
        JsonElement cases = SegmentationFixtures.Placement();
        Assert.Equal(8, cases.GetArrayLength());
        foreach (JsonElement c in cases.EnumerateArray())
        {
            int[] b = c.GetProperty("pixel_box_xyxy").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
            JsonElement rle = c.GetProperty("rle");
            bool[,] expected = SegmentationFixtures.DecodeRle(
                rle.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
                rle.GetProperty("counts").EnumerateArray().Select(v => v.GetInt32()).ToArray());

            var mask = SegmentationMask.FromLogits(SegmentationFixtures.Logits(c.GetProperty("case").GetInt32()), new BoundingBox(b[0], b[1], b[2], b[3]), w, h);
            Assert.Equal(c.GetProperty("area").GetInt32(), mask.Area);
            AssertMaskEquals(expected, mask);
        }
    }

    [Theory]
    [InlineData(100, 80, 10.2f, 20.7f, 50.9f, 60.1f, 10, 20, 50, 60)]     // edges truncated
    [InlineData(100, 80, 0f, 0f, 100f, 80f, 0, 0, 100, 80)]               // whole image
    [InlineData(100, 80, 90f, 70f, 100f, 80f, 90, 70, 100, 80)]           // bottom-right corner
    [InlineData(100, 80, -0.9f, -0.5f, 3.99f, 2.5f, 0, 0, 3, 2)]          // int() truncates toward zero
    [InlineData(100, 80, 5f, 5f, 6f, 6f, 5, 5, 6, 6)]                     // 1-pixel box
    [InlineData(100, 80, 99f, 79f, 100f, 80f, 99, 79, 100, 80)]           // 1-pixel box at the last pixel
    [InlineData(100, 80, -20f, -30f, 130f, 95f, 0, 0, 100, 80)]           // larger than the image: clipped
    [InlineData(30, 200, 10f, 150f, 40f, 260f, 10, 150, 30, 200)]         // tall image, box past two edges
    [InlineData(300, 7, 0f, 0f, 300f, 7f, 0, 0, 300, 7)]                  // very wide image
    [InlineData(50, 40, -1e9f, -1e9f, 1e9f, 1e9f, 0, 0, 50, 40)]           // absurd box: no huge allocation
    public void All_positive_logits_fill_the_truncated_clipped_box(int w, int h, float l, float t, float r, float b, int x1, int y1, int x2, int y2)
    {
        var mask = SegmentationMask.FromLogits(Constant(0.5f), new BoundingBox(l, t, r, b), w, h);
        Assert.Equal((x2 - x1) * (y2 - y1), mask.Area);
        Assert.Equal(new Rectangle(x1, y1, x2 - x1, y2 - y1), mask.PixelBounds);
        for (int y = -2; y < h + 2; y++)
        {
            for (int x = -2; x < w + 2; x++)
            {
                bool inside = x >= x1 && x < x2 && y >= y1 && y < y2;
                Assert.Equal(inside, mask.Contains(x, y));
            }
        }
    }

    [Theory]
    [InlineData(10f, 10f, 10f, 20f)]   // zero width
    [InlineData(10f, 10f, 10.9f, 20f)] // zero width after truncation
    [InlineData(20f, 10f, 10f, 20f)]   // inverted
    [InlineData(200f, 10f, 300f, 20f)] // entirely right of the image
    [InlineData(-50f, -50f, -10f, -10f)] // entirely above-left
    public void Empty_boxes_give_empty_masks(float l, float t, float r, float b)
    {
        var mask = SegmentationMask.FromLogits(Constant(1f), new BoundingBox(l, t, r, b), 100, 80);
        Assert.Equal(0, mask.Area);
        Assert.True(mask.PixelBounds.IsEmpty);
        Assert.False(mask.Contains(10, 10));
        CocoRle rle = mask.ToCocoRle();
        Assert.Equal([8000], rle.Counts);
    }

    [Fact]
    public void All_negative_logits_give_an_empty_mask()
    {
        var mask = SegmentationMask.FromLogits(Constant(-0.1f), new BoundingBox(0, 0, 64, 64), 64, 64);
        Assert.Equal(0, mask.Area);
    }

    [Fact]
    public void Left_half_logits_upscaled_twice_cover_the_left_half_of_the_box()
    {
        // Hand computation (Pillow bilinear, scale 1/2): output column 63 samples grid x = 31.75 → 0.75·1 + 0.25·(−1) = 0.5 > 0;
        // column 64 samples 32.25 → 0.25·1 + 0.75·(−1) = −0.5. So box columns 0..63 are foreground.
        var mask = SegmentationMask.FromLogits(LeftColumns(32), new BoundingBox(10, 5, 138, 69), 150, 80);
        Assert.Equal(64 * 64, mask.Area);
        Assert.True(mask.Contains(10, 5));
        Assert.True(mask.Contains(73, 68));
        Assert.False(mask.Contains(74, 30));
        Assert.False(mask.Contains(9, 30));
        Assert.False(mask.Contains(10, 4));
    }

    [Fact]
    public void Identity_size_box_reproduces_the_logit_signs()
    {
        float[] logits = SegmentationFixtures.Logits(6);
        var mask = SegmentationMask.FromLogits(logits, new BoundingBox(3, 2, 67, 66), 70, 70);
        for (int y = 0; y < 64; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                Assert.Equal(logits[(y * 64) + x] > 0, mask.Contains(x + 3, y + 2));
            }
        }

        Assert.Equal(logits.Count(v => v > 0), mask.Area);
        Assert.Equal(logits, mask.Logits);
    }

    [Fact]
    public void Rle_round_trips_pixel_by_pixel()
    {
        var mask = SegmentationMask.FromLogits(SegmentationFixtures.Logits(0), new BoundingBox(-7.5f, 3.2f, 41.9f, 77.7f), 45, 60);
        CocoRle rle = mask.ToCocoRle();
        Assert.Equal([60, 45], rle.Size);
        Assert.Equal(45 * 60, rle.Counts.Sum());
        Assert.All(rle.Counts.Skip(1), c => Assert.True(c > 0));
        bool[,] decoded = SegmentationFixtures.DecodeRle(rle.Size, rle.Counts);
        AssertMaskEquals(decoded, mask);
        Assert.Equal(mask.Area, rle.Counts.Where((_, i) => i % 2 == 1).Sum());
    }

    [Fact]
    public void Rle_starts_with_an_empty_background_run_when_pixel_0_0_is_foreground()
    {
        var mask = SegmentationMask.FromLogits(Constant(1f), new BoundingBox(0, 0, 2, 3), 4, 5);
        CocoRle rle = mask.ToCocoRle();

        // Column-major: columns 0 and 1 are 3 foreground + 2 background each, then 2 empty columns.
        Assert.Equal([0, 3, 2, 3, 12], rle.Counts);
    }

    [Fact]
    public void Png_is_white_exactly_on_the_mask()
    {
        var mask = SegmentationMask.FromLogits(SegmentationFixtures.Logits(3), new BoundingBox(5, 4, 60, 35), 64, 40);
        using Image<L8> image = Image.Load<L8>(mask.ToPng());
        Assert.Equal(64, image.Width);
        Assert.Equal(40, image.Height);
        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                Assert.Equal(mask.Contains(x, y) ? 255 : 0, image[x, y].PackedValue);
            }
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var box = new BoundingBox(0, 0, 10, 10);
        Assert.Throws<ArgumentException>(() => SegmentationMask.FromLogits(new float[4095], box, 10, 10));
        float[] nan = Constant(1f);
        nan[7] = float.NaN;
        Assert.Throws<ArgumentException>(() => SegmentationMask.FromLogits(nan, box, 10, 10));
        Assert.Throws<ArgumentException>(() => SegmentationMask.FromLogits(Constant(1f), new BoundingBox(float.NaN, 0, 10, 10), 10, 10));
        Assert.Throws<ArgumentException>(() => SegmentationMask.FromLogits(Constant(1f), new BoundingBox(0, 0, float.PositiveInfinity, 10), 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentationMask.FromLogits(Constant(1f), box, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentationMask.FromLogits(Constant(1f), box, 10, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SegmentationMask.FromLogits(Constant(1f), box, 100_000, 100_000));
    }
}
