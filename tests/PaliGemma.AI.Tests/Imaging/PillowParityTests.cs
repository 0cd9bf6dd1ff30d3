using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Imaging;

/// <summary>
/// Compares our 8-bit resize output with Pillow's (what Hugging Face's SiglipImageProcessor feeds the model),
/// using fixtures made by tools/fidelity/make_image_fixtures.py.
/// </summary>
public sealed class PillowParityTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, int> Cases => new()
    {
        { "photo", "photo.jpg", 224 }, { "photo", "photo.jpg", 448 }, { "photo", "photo.jpg", 896 },
        { "tiny5x3", "tiny5x3.png", 224 }, { "tiny5x3", "tiny5x3.png", 448 }, { "tiny5x3", "tiny5x3.png", 896 },
        { "wide1000x40", "wide1000x40.png", 224 }, { "wide1000x40", "wide1000x40.png", 448 },
        { "rgba64x48", "rgba64x48.png", 224 }, { "rgba64x48", "rgba64x48.png", 448 }, { "rgba64x48", "rgba64x48.png", 896 },
        { "gray80x60", "gray80x60.png", 224 }, { "gray80x60", "gray80x60.png", 448 },
        { "exif6_200x120", "exif6_200x120.jpg", 224 }, { "exif6_200x120", "exif6_200x120.jpg", 448 },
    };

    public static TheoryData<string, string> Sources => new()
    {
        { "photo", "photo.jpg" }, { "tiny5x3", "tiny5x3.png" }, { "wide1000x40", "wide1000x40.png" },
        { "rgba64x48", "rgba64x48.png" }, { "gray80x60", "gray80x60.png" }, { "exif6_200x120", "exif6_200x120.jpg" },
    };

    /// <summary>End to end: decode + orient + RGB + resize, compared with Pillow's result.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Preprocessing_matches_Pillow_within_one_level(string name, string file, int size)
    {
        var expected = ImagingFixtures.ReadRgbPng($"{name}.{size}.pil.png");

        RgbImage actual = PaliGemmaImageProcessor.ResizeToRgb(ImagingFixtures.Read(file), size);

        Assert.Equal((size, size), (actual.Width, actual.Height));
        ImageParity parity = ImageParity.Compare(actual.Pixels, expected.Pixels);
        output.WriteLine($"end-to-end {name} {size}: {parity}");
        Assert.True(parity.WithinOnePercent >= 99.0, $"{name} at {size}: {parity}");
        Assert.True(parity.MaxDiff <= 3, $"{name} at {size}: {parity}");
        if (file.EndsWith(".png", StringComparison.Ordinal))
        {
            // Lossless input: decoding is exact, so the resize must reproduce Pillow bit for bit.
            Assert.Equal(parity.Values, parity.Exact);
        }
    }

    /// <summary>With <see cref="TransparencyMode.CompositeOnWhite"/>, matches Pillow's alpha_composite over white.</summary>
    [Theory]
    [InlineData(224)]
    [InlineData(448)]
    public void Composite_on_white_matches_Pillow_alpha_composite(int size)
    {
        var options = new ImageLoadOptions { Transparency = TransparencyMode.CompositeOnWhite };
        byte[] png = ImagingFixtures.Read("rgba64x48.png");
        var expectedSource = ImagingFixtures.ReadRgbPng("rgba64x48.white.source.pil.png");
        var expected = ImagingFixtures.ReadRgbPng($"rgba64x48.white.{size}.pil.png");

        RgbImage decoded = SafeImageDecoder.Decode(png, options, "fixture");
        RgbImage resized = PaliGemmaImageProcessor.ResizeToRgb(png, size, options);

        ImageParity decode = ImageParity.Compare(decoded.Pixels, expectedSource.Pixels);
        ImageParity endToEnd = ImageParity.Compare(resized.Pixels, expected.Pixels);
        output.WriteLine($"decode rgba64x48.white: {decode}");
        output.WriteLine($"end-to-end rgba64x48.white {size}: {endToEnd}");
        Assert.Equal(decode.Values, decode.Exact);
        Assert.Equal(endToEnd.Values, endToEnd.Exact);
    }

    /// <summary>The resampler alone, fed Pillow's own decoded pixels, reproduces Pillow exactly.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Resampler_reproduces_Pillow_bicubic_exactly(string name, string file, int size)
    {
        _ = file;
        var source = ImagingFixtures.ReadRgbPng($"{name}.source.pil.png");
        var expected = ImagingFixtures.ReadRgbPng($"{name}.{size}.pil.png");

        RgbImage actual = BicubicResampler.Resize(new RgbImage(source.Width, source.Height, source.Pixels), size, size);

        ImageParity parity = ImageParity.Compare(actual.Pixels, expected.Pixels);
        output.WriteLine($"resize-only {name} {size}: {parity}");
        Assert.Equal(parity.Values, parity.Exact);
    }

    /// <summary>Decoding (orientation, alpha on white, grey to RGB) agrees with Pillow before any resize.</summary>
    [Theory]
    [MemberData(nameof(Sources))]
    public void Decoded_pixels_match_Pillow(string name, string file)
    {
        var expected = ImagingFixtures.ReadRgbPng($"{name}.source.pil.png");

        RgbImage actual = SafeImageDecoder.Decode(ImagingFixtures.Read(file), new ImageLoadOptions(), "fixture");

        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        ImageParity parity = ImageParity.Compare(actual.Pixels, expected.Pixels);
        output.WriteLine($"decode {name}: {parity}");
        if (file.EndsWith(".png", StringComparison.Ordinal))
        {
            Assert.Equal(parity.Values, parity.Exact);
        }
        else
        {
            // JPEG: both sides use libjpeg-turbo (Skia's and Pillow's builds); allow for version differences.
            Assert.True(parity.WithinOnePercent >= 99.0 && parity.MaxDiff <= 3, $"{name}: {parity}");
        }
    }
}
