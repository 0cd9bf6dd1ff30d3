using PaliGemma.AI;
using SkiaSharp;
using static PaliGemma.Rendering.Tests.RenderingTestImages;

namespace PaliGemma.Rendering.Tests;

public sealed class AnnotatedImageRendererTests
{
    private static readonly SKColor Red = new(255, 0, 0);
    private static readonly SKColor Blue = new(0, 0, 255);

    private static AnnotationOptions Options(SKColor color, ListLogger? logger = null, string? font = null) => new()
    {
        Palette = [color],
        StrokeWidth = 3,
        FontSize = 16,
        FontPath = font,
        Logger = logger,
    };

    private static float[] Constant(float v) => Enumerable.Repeat(v, 4096).ToArray();

    [Fact]
    public void Detection_box_outline_is_drawn_and_interior_is_untouched()
    {
        byte[] png = AnnotatedImageRenderer.Render(Solid(200, 100, Background), [new DetectedObject(string.Empty, new BoundingBox(20, 30, 120, 80))], Options(Red));
        using SKBitmap result = DecodePng(png);
        Assert.Equal(200, result.Width);
        Assert.Equal(100, result.Height);
        AssertNear(Red, result.GetPixel(20, 55));
        AssertNear(Red, result.GetPixel(70, 80));
        AssertNear(Background, result.GetPixel(70, 55));
        AssertNear(Background, result.GetPixel(5, 5));
    }

    [Fact]
    public void Mask_pixels_are_blended_with_the_object_colour()
    {
        var mask = SegmentationMask.FromLogits(Constant(1f), new BoundingBox(50, 20, 150, 80), 200, 100);
        var item = new SegmentedObject(string.Empty, new BoundingBox(50, 20, 150, 80), new int[16]) { Mask = mask };
        var options = Options(Blue);
        options.MaskOpacity = 0.5f;
        using SKBitmap result = DecodePng(AnnotatedImageRenderer.Render(Solid(200, 100, Background), [item], options));

        // 128·(1 − 0.5) + 255·0.5 ≈ 192 for blue, 64 for red and green.
        AssertNear(new SKColor(64, 64, 191), result.GetPixel(100, 50), tolerance: 4);
        AssertNear(Background, result.GetPixel(160, 50));
        AssertNear(Background, result.GetPixel(100, 90));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Mask_outline_is_opaque_and_the_inside_stays_blended(bool outline)
    {
        // An ellipse inside its box: logit +1 within radius 20 of the 64x64 grid's centre, -1 outside.
        float[] logits = new float[4096];
        for (int i = 0; i < 4096; i++)
        {
            int gy = i / 64, gx = i % 64;
            logits[i] = ((gx - 31.5f) * (gx - 31.5f)) + ((gy - 31.5f) * (gy - 31.5f)) < 400f ? 1f : -1f;
        }

        var mask = SegmentationMask.FromLogits(logits, new BoundingBox(50, 20, 150, 80), 200, 100);
        var item = new SegmentedObject(string.Empty, new BoundingBox(50, 20, 150, 80), new int[16]) { Mask = mask };
        var options = Options(Blue);
        options.MaskOpacity = 0.5f;
        options.DrawMaskOutlines = outline;
        using SKBitmap result = DecodePng(AnnotatedImageRenderer.Render(Solid(200, 100, Background), [item], options));

        int left = Enumerable.Range(0, 200).First(x => mask.Contains(x, 50));
        Assert.InRange(left, 60, 80); // well inside the box, away from its outline
        AssertNear(outline ? Blue : new SKColor(64, 64, 191), result.GetPixel(left, 50), tolerance: 4);
        AssertNear(new SKColor(64, 64, 191), result.GetPixel(left + 2, 50), tolerance: 4);
        AssertNear(new SKColor(64, 64, 191), result.GetPixel(100, 50), tolerance: 4);
        AssertNear(Background, result.GetPixel(left - 1, 50));
    }

    [Fact]
    public void Labels_are_drawn_with_a_real_font()
    {
        Assert.True(File.Exists(AnnotationOptions.DefaultFontPaths[0]), "fonts-dejavu-core must be installed (apt-get install -y fonts-dejavu-core)");
        var logger = new ListLogger();
        byte[] png = AnnotatedImageRenderer.Render(Solid(200, 100, Background), [new DetectedObject("cat", new BoundingBox(20, 40, 120, 90))], Options(Red, logger));
        using SKBitmap result = DecodePng(png);
        Assert.Empty(logger.Warnings);

        // The tag sits above the box: red fill with white glyph pixels.
        var tag = Enumerable.Range(21, 30).SelectMany(x => Enumerable.Range(20, 18).Select(y => result.GetPixel(x, y))).ToList();
        Assert.Contains(tag, c => c.Red > 200 && c.Green < 60);
        Assert.Contains(tag, c => c.Red > 200 && c.Green > 200 && c.Blue > 200);
    }

    [Fact]
    public void Missing_font_gives_unlabelled_boxes_and_a_warning()
    {
        var logger = new ListLogger();
        byte[] png = AnnotatedImageRenderer.Render(
            Solid(200, 100, Background), [new DetectedObject("cat", new BoundingBox(20, 40, 120, 90))], Options(Red, logger, font: "/nonexistent/font.ttf"));
        using SKBitmap result = DecodePng(png);
        Assert.Contains(logger.Warnings, w => w.Contains("/nonexistent/font.ttf", StringComparison.Ordinal));
        AssertNear(Red, result.GetPixel(20, 60));
        AssertNear(Background, result.GetPixel(30, 30));
    }

    [Fact]
    public void Mask_for_another_image_size_is_skipped_with_a_warning()
    {
        var logger = new ListLogger();
        var mask = SegmentationMask.FromLogits(Constant(1f), new BoundingBox(0, 0, 50, 50), 50, 50);
        var item = new SegmentedObject("x", new BoundingBox(0, 0, 50, 50), new int[16]) { Mask = mask };
        var options = Options(Blue, logger);
        options.DrawLabels = false;
        using SKBitmap result = DecodePng(AnnotatedImageRenderer.Render(Solid(100, 100, Background), [item], options));
        Assert.Single(logger.Warnings);
        AssertNear(Background, result.GetPixel(25, 25));
    }

    [Fact]
    public void Boxes_outside_the_image_and_non_finite_boxes_do_not_fail()
    {
        DetectedObject[] objects =
        [
            new("far", new BoundingBox(-500, -500, 5000, 5000)),
            new("nan", new BoundingBox(float.NaN, 0, 10, 10)),
            new("inf", new BoundingBox(0, 0, float.PositiveInfinity, 10)),
            new("corner", new BoundingBox(95, 95, 100, 100)),
            new(new string('x', 500) + "\n\u0001", new BoundingBox(0, 0, 10, 10)),
        ];
        using SKBitmap result = DecodePng(AnnotatedImageRenderer.Render(Solid(100, 100, Background), objects));
        Assert.Equal(100, result.Width);
    }

    [Fact]
    public void Bad_images_are_rejected_with_argument_exceptions()
    {
        Assert.Throws<ArgumentException>(() => AnnotatedImageRenderer.Render([], Array.Empty<DetectedObject>()));
        Assert.Throws<ArgumentException>(() => AnnotatedImageRenderer.Render("not an image"u8.ToArray(), Array.Empty<DetectedObject>()));
        byte[] png = Solid(100, 100, Background);
        Assert.Contains("MaxPixels", Assert.Throws<ArgumentException>(() => AnnotatedImageRenderer.Render(png, Array.Empty<DetectedObject>(), new AnnotationOptions { MaxPixels = 9999 })).Message, StringComparison.Ordinal);
        Assert.Contains("MaxEncodedBytes", Assert.Throws<ArgumentException>(() => AnnotatedImageRenderer.Render(png, Array.Empty<DetectedObject>(), new AnnotationOptions { MaxEncodedBytes = 10 })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AnnotatedImageRenderer.Render(png[..(png.Length / 2)], Array.Empty<DetectedObject>()));
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        byte[] png = Solid(10, 10, Background);
        Assert.Contains("FontSize", Assert.Throws<ArgumentOutOfRangeException>(() => AnnotatedImageRenderer.Render(png, Array.Empty<DetectedObject>(), new AnnotationOptions { FontSize = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("StrokeWidth", Assert.Throws<ArgumentOutOfRangeException>(() => AnnotatedImageRenderer.Render(png, Array.Empty<DetectedObject>(), new AnnotationOptions { StrokeWidth = float.NaN })).Message, StringComparison.Ordinal);
        Assert.Contains("MaskOpacity", Assert.Throws<ArgumentOutOfRangeException>(() => AnnotatedImageRenderer.Render(png, Array.Empty<DetectedObject>(), new AnnotationOptions { MaskOpacity = 1.5f })).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cat", "cat")]
    [InlineData("  dog \n", "dog")]
    [InlineData("a\u0001b", "a b")]
    public void Labels_are_cleaned(string label, string expected) => Assert.Equal(expected, LabelPainter.Clean(label));

    [Fact]
    public void Long_labels_are_cut()
    {
        string cleaned = LabelPainter.Clean(new string('y', 100));
        Assert.Equal(LabelPainter.MaxLabelLength + 1, cleaned.Length);
        Assert.EndsWith("…", cleaned, StringComparison.Ordinal);
    }
}
