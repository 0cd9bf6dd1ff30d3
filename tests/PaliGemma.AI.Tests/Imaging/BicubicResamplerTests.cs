namespace PaliGemma.AI.Tests.Imaging;

/// <summary>Properties of the Pillow-compatible bicubic resampler that hold for any input.</summary>
public sealed class BicubicResamplerTests
{
    [Theory]
    [InlineData(5, 3, 224, 224)]
    [InlineData(1000, 40, 224, 224)]
    [InlineData(1, 1, 17, 3)]
    [InlineData(300, 200, 7, 11)]
    public void Constant_image_stays_constant(int width, int height, int outWidth, int outHeight)
    {
        var source = new RgbImage(width, height);
        for (int i = 0; i < source.Pixels.Length; i += 3)
        {
            (source.Pixels[i], source.Pixels[i + 1], source.Pixels[i + 2]) = ((byte)37, (byte)200, (byte)255);
        }

        RgbImage resized = BicubicResampler.Resize(source, outWidth, outHeight);

        Assert.Equal((outWidth, outHeight), (resized.Width, resized.Height));
        for (int i = 0; i < resized.Pixels.Length; i += 3)
        {
            Assert.Equal((37, 200, 255), (resized.Pixels[i], resized.Pixels[i + 1], resized.Pixels[i + 2]));
        }
    }

    [Fact]
    public void Same_size_returns_an_equal_copy()
    {
        var source = new RgbImage(3, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);

        RgbImage resized = BicubicResampler.Resize(source, 3, 2);

        Assert.NotSame(source.Pixels, resized.Pixels);
        Assert.Equal(source.Pixels, resized.Pixels);
    }

    [Fact]
    public void Overshoot_at_a_hard_edge_is_clamped_to_the_byte_range()
    {
        // Black | white step upscaled: the cubic kernel rings past 0 and 255; results must be clamped, not wrapped.
        var source = new RgbImage(4, 1, [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);

        RgbImage resized = BicubicResampler.Resize(source, 16, 1);

        Assert.Equal(0, resized.Pixels[0]);
        Assert.Equal(255, resized.Pixels[^1]);
        for (int i = 3; i < resized.Pixels.Length; i += 3)
        {
            Assert.True(resized.Pixels[i] >= resized.Pixels[i - 3], "a step stays monotonic after clamping");
        }
    }
}
