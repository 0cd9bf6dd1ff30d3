using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PaliGemma.AI.Tests.Imaging;

/// <summary>Colour handling, orientation, layout and scaling of <see cref="PaliGemmaImageProcessor"/>.</summary>
public sealed class ImagePipelineTests
{
    private static readonly ImageLoadOptions Composite = new() { Transparency = TransparencyMode.CompositeOnWhite };

    [Fact]
    public void Exif_orientation_6_swaps_width_and_height()
    {
        byte[] jpeg = ImagingFixtures.Read("exif6_200x120.jpg");

        ImageInfo info = PaliGemmaImageProcessor.Identify(jpeg);
        PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(jpeg, 224);

        Assert.Equal((120, 200, 6, true), (info.Width, info.Height, info.Orientation, info.IsTransposed));
        Assert.Equal((120, 200), (image.OriginalWidth, image.OriginalHeight));
    }

    [Theory]
    [InlineData(1, 7, 5)]
    [InlineData(2, 7, 5)]
    [InlineData(3, 7, 5)]
    [InlineData(4, 7, 5)]
    [InlineData(5, 5, 7)]
    [InlineData(6, 5, 7)]
    [InlineData(7, 5, 7)]
    [InlineData(8, 5, 7)]
    public void Every_exif_orientation_matches_Pillow_exif_transpose(int orientation, int width, int height)
    {
        var expected = ImagingFixtures.ReadRgbPng($"orient{orientation}.source.pil.png");

        RgbImage actual = SafeImageDecoder.Decode(ImagingFixtures.Read($"orient{orientation}.jpg"), new ImageLoadOptions(), "fixture");

        Assert.Equal((width, height), (expected.Width, expected.Height));
        Assert.Equal((width, height), (actual.Width, actual.Height));
        ImageParity parity = ImageParity.Compare(actual.Pixels, expected.Pixels);
        Assert.True(parity.MaxDiff <= 1, parity.ToString());
    }

    [Fact]
    public void Transparent_pixels_keep_their_stored_colour_by_default()
    {
        // Hugging Face's SiglipImageProcessor uses Pillow convert("RGB"), which ignores alpha.
        byte[] png = ImagingFixtures.Png(2, 1, (x, _) => x == 0 ? new Rgba32(255, 0, 0, 0) : new Rgba32(0, 0, 255, 128));

        Assert.Equal(TransparencyMode.DropAlpha, new ImageLoadOptions().Transparency);
        RgbImage rgb = PaliGemmaImageProcessor.ResizeToRgb(png, 2);

        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255 }, rgb.Pixels);
    }

    [Fact]
    public void Transparent_pixels_become_white_when_composited()
    {
        byte[] png = ImagingFixtures.Png(4, 4, (x, _) => x < 2 ? new Rgba32(0, 0, 0, 0) : new Rgba32(0, 0, 0, 255));

        PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(png, 4, Composite);

        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 4; y++)
            {
                Assert.Equal(1f, Pixel(image, c, 0, y));
                Assert.Equal(1f, Pixel(image, c, 1, y));
                Assert.Equal(-1f, Pixel(image, c, 3, y));
            }
        }
    }

    [Fact]
    public void Half_transparent_pixel_is_blended_with_white_when_composited()
    {
        // 100 at alpha 128 over white: (100·128 + 255·127) / 255 = 177.2 → 177.
        byte[] png = ImagingFixtures.Png(1, 1, (_, _) => new Rgba32(100, 100, 100, 128));

        RgbImage rgb = PaliGemmaImageProcessor.ResizeToRgb(png, 1, Composite);

        Assert.Equal(new byte[] { 177, 177, 177 }, rgb.Pixels);
    }

    [Fact]
    public void Grayscale_image_gives_three_equal_channels()
    {
        byte[] png = ImagingFixtures.Read("gray80x60.png");

        PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(png, 64);

        int plane = 64 * 64;
        ReadOnlySpan<float> v = image.PixelValues;
        Assert.True(v[..plane].SequenceEqual(v.Slice(plane, plane)));
        Assert.True(v[..plane].SequenceEqual(v.Slice(2 * plane, plane)));
        Assert.Contains(v[..plane].ToArray(), x => x is > -1f and < 1f);
    }

    [Fact]
    public void Palette_png_with_transparency_is_converted_to_rgb_on_white_when_composited()
    {
        byte[] png = ImagingFixtures.Png(2, 1, (x, _) => x == 0 ? new Rgba32(255, 0, 0, 255) : new Rgba32(0, 0, 255, 0));
        using (var image = Image.Load<Rgba32>(png))
        using (var stream = new MemoryStream())
        {
            image.SaveAsPng(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Palette });
            png = stream.ToArray();
        }

        RgbImage rgb = PaliGemmaImageProcessor.ResizeToRgb(png, 2, Composite);

        Assert.Equal(new byte[] { 255, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255, 255 }, rgb.Pixels);
    }

    [Fact]
    public void Pixel_values_are_channel_first()
    {
        // Left half red, right half blue, top row green where x is odd: checks plane order and row-major layout.
        byte[] png = ImagingFixtures.Png(8, 8, (x, y) =>
            y == 0 && x % 2 == 1 ? new Rgb24(0, 255, 0) : x < 4 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255));

        PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(png, 8);

        Assert.Equal(3 * 8 * 8, image.PixelValues.Length);
        for (int y = 1; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                bool red = x < 4;
                Assert.Equal(red ? 1f : -1f, Pixel(image, 0, x, y));
                Assert.Equal(-1f, Pixel(image, 1, x, y));
                Assert.Equal(red ? -1f : 1f, Pixel(image, 2, x, y));
            }
        }

        Assert.Equal(1f, Pixel(image, 1, 1, 0));
        Assert.Equal(-1f, Pixel(image, 1, 2, 0));
    }

    [Theory]
    [InlineData(224)]
    [InlineData(448)]
    public void Values_are_in_range_and_sized_for_the_model(int size)
    {
        PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(ImagingFixtures.Read("photo.jpg"), size);

        Assert.Equal(size, image.Size);
        Assert.Equal((320, 240), (image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(3 * size * size, image.PixelValues.Length);
        Assert.All(image.PixelValues, v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(image.PixelValues, v => v == -1f);
        Assert.Contains(image.PixelValues, v => v == 1f);
    }

    [Fact]
    public void Float_values_are_the_uint8_resize_rescaled_to_minus_one_one()
    {
        byte[] jpeg = ImagingFixtures.Read("photo.jpg");

        RgbImage rgb = PaliGemmaImageProcessor.ResizeToRgb(jpeg, 224);
        PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(jpeg, 224);

        int plane = 224 * 224;
        for (int i = 0; i < plane; i += 97)
        {
            for (int c = 0; c < 3; c++)
            {
                double expected = (rgb.Pixels[(i * 3) + c] / 255.0 * 2.0) - 1.0;
                Assert.Equal(expected, image.PixelValues[(c * plane) + i], 1e-6);
            }
        }
    }

    [Fact]
    public void Normalisation_table_maps_the_byte_range_onto_minus_one_one()
    {
        Assert.Equal(-1f, PixelNormalizer.Normalize(0));
        Assert.Equal(1f, PixelNormalizer.Normalize(255));
        for (int v = 0; v < 256; v++)
        {
            Assert.Equal((v / 127.5) - 1.0, PixelNormalizer.Normalize((byte)v), 1e-6);
        }
    }

    [Fact]
    public void Normalisation_is_bit_identical_to_transformers_rescale_and_normalize()
    {
        byte[] raw = ImagingFixtures.Read("normalize_table.f32");
        Assert.Equal(256 * sizeof(float), raw.Length);

        for (int v = 0; v < 256; v++)
        {
            float expected = BitConverter.ToSingle(raw, v * sizeof(float));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(PixelNormalizer.Normalize((byte)v)));
        }
    }

    [Fact]
    public void All_overloads_give_the_same_result()
    {
        string path = ImagingFixtures.PathOf("rgba64x48.png");
        byte[] bytes = File.ReadAllBytes(path);

        float[] fromArray = PaliGemmaImageProcessor.Preprocess(bytes, 32).PixelValues;
        float[] fromSpan = PaliGemmaImageProcessor.Preprocess(bytes.AsSpan(), 32).PixelValues;
        using var stream = new MemoryStream(bytes);
        float[] fromStream = PaliGemmaImageProcessor.Preprocess(stream, 32).PixelValues;
        float[] fromFile = PaliGemmaImageProcessor.PreprocessFile(path, 32).PixelValues;

        Assert.Equal(fromArray, fromSpan);
        Assert.Equal(fromArray, fromStream);
        Assert.Equal(fromArray, fromFile);
        Assert.Equal(PaliGemmaImageProcessor.Identify(bytes), PaliGemmaImageProcessor.IdentifyFile(path));
    }

    [Fact]
    public async Task Async_stream_overload_matches_the_synchronous_one()
    {
        byte[] bytes = ImagingFixtures.Read("photo.jpg");
        using var stream = new MemoryStream(bytes);

        PreprocessedImage fromAsync = await PaliGemmaImageProcessor.PreprocessAsync(stream, 64);

        Assert.Equal(PaliGemmaImageProcessor.Preprocess(bytes, 64).PixelValues, fromAsync.PixelValues);
        Assert.Equal(bytes.Length, stream.Position);
    }

    [Fact]
    public void Concurrent_calls_give_identical_results()
    {
        byte[] jpeg = ImagingFixtures.Read("exif6_200x120.jpg");
        float[] expected = PaliGemmaImageProcessor.Preprocess(jpeg, 224).PixelValues;
        var results = new float[8][];

        Parallel.For(0, results.Length, i => results[i] = PaliGemmaImageProcessor.Preprocess(jpeg, 224).PixelValues);

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Identify_reports_format_and_size()
    {
        ImageInfo png = PaliGemmaImageProcessor.Identify(ImagingFixtures.Read("wide1000x40.png"));
        ImageInfo jpeg = PaliGemmaImageProcessor.Identify(new MemoryStream(ImagingFixtures.Read("photo.jpg")));

        Assert.Equal(new ImageInfo(1000, 40, "PNG", "image/png", 1), png);
        Assert.Equal(new ImageInfo(320, 240, "JPEG", "image/jpeg", 1), jpeg);
    }

    [Fact]
    public void Animated_gif_uses_its_first_frame()
    {
        using var gif = new Image<Rgba32>(4, 4, new Rgba32(255, 0, 0, 255));
        using (var second = new Image<Rgba32>(4, 4, new Rgba32(0, 0, 255, 255)))
        {
            gif.Frames.AddFrame(second.Frames.RootFrame);
        }

        using var stream = new MemoryStream();
        gif.SaveAsGif(stream);

        RgbImage rgb = PaliGemmaImageProcessor.ResizeToRgb(stream.ToArray(), 4);

        for (int i = 0; i < rgb.Pixels.Length; i += 3)
        {
            Assert.Equal((255, 0, 0), (rgb.Pixels[i], rgb.Pixels[i + 1], rgb.Pixels[i + 2]));
        }
    }

    private static float Pixel(PreprocessedImage image, int channel, int x, int y) =>
        image.PixelValues[(channel * image.Size * image.Size) + (y * image.Size) + x];
}
