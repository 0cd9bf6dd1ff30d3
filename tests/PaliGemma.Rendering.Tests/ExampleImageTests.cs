using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.Rendering.Tests;

/// <summary>
/// Renders the documentation example (docs/images/annotated-example.png). Set PG_ANNOTATED_EXAMPLE to a file path
/// to write it there; the test always checks the rendering.
/// </summary>
public sealed class ExampleImageTests
{
    /// <summary>A synthetic scene: sky, grass, a sun and a rounded "cat" shape.</summary>
    private static byte[] Scene(int w, int h)
    {
        using var bitmap = new SKBitmap(w, h);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var sky = new SKPaint { Color = new SKColor(150, 200, 240) };
            canvas.DrawRect(0, 0, w, h * 0.65f, sky);
            using var grass = new SKPaint { Color = new SKColor(90, 160, 80) };
            canvas.DrawRect(0, h * 0.65f, w, h, grass);
            using var sun = new SKPaint { Color = new SKColor(250, 220, 90), IsAntialias = true };
            canvas.DrawCircle(w * 0.78f, h * 0.22f, h * 0.12f, sun);
            using var cat = new SKPaint { Color = new SKColor(70, 60, 55), IsAntialias = true };
            canvas.DrawOval(new SKRect(w * 0.12f, h * 0.45f, w * 0.48f, h * 0.85f), cat);
            canvas.DrawCircle(w * 0.42f, h * 0.45f, h * 0.1f, cat);
        }

        using SKImage image = SKImage.FromBitmap(bitmap);
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>64×64 logits of an ellipse filling the grid: positive inside, negative outside.</summary>
    private static float[] Ellipse(float cx, float cy, float rx, float ry)
    {
        var logits = new float[4096];
        for (int y = 0; y < 64; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                float dx = ((x + 0.5f) / 64f - cx) / rx, dy = ((y + 0.5f) / 64f - cy) / ry;
                logits[(y * 64) + x] = 1f - ((dx * dx) + (dy * dy));
            }
        }

        return logits;
    }

    private static int Distance(SKColor a, SKColor b) => Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue);

    [Fact]
    public void Renders_the_documentation_example()
    {
        const int w = 360, h = 240;
        var sunBox = new BoundingBox(w * 0.78f - h * 0.12f, h * 0.10f, w * 0.78f + h * 0.12f, h * 0.34f);
        var catBox = new BoundingBox(w * 0.12f, h * 0.35f, w * 0.48f + h * 0.04f, h * 0.85f);
        SegmentedObject[] objects =
        [
            new("sun", sunBox, new int[16]) { Mask = SegmentationMask.FromLogits(Ellipse(0.5f, 0.5f, 0.5f, 0.5f), sunBox, w, h) },
            new("cat", catBox, new int[16]) { Mask = SegmentationMask.FromLogits(Ellipse(0.45f, 0.6f, 0.45f, 0.4f), catBox, w, h) },
        ];

        byte[] scene = Scene(w, h);
        byte[] png = AnnotatedImageRenderer.Render(scene, objects, new AnnotationOptions { FontSize = 15 });
        using SKBitmap result = RenderingTestImages.DecodePng(png);
        using SKBitmap original = RenderingTestImages.DecodePng(scene);
        Assert.Equal(w, result.Width);
        Assert.Equal(h, result.Height);
        Assert.True(objects.All(o => o.Mask!.Area > 0));

        // Far from every box and label the scene is untouched: sky top-left, grass bottom-right.
        RenderingTestImages.AssertNear(new SKColor(150, 200, 240), result.GetPixel(5, 5));
        RenderingTestImages.AssertNear(new SKColor(90, 160, 80), result.GetPixel(w - 5, h - 5));

        // Inside each mask the colour is tinted; inside a box but outside its mask it is not.
        foreach (SegmentedObject o in objects)
        {
            var (x, y) = ((int)((o.Box.Left + o.Box.Right) / 2), (int)((o.Box.Top + o.Box.Bottom) / 2));
            Assert.True(o.Mask!.Contains(x, y), $"{o.Label}: ({x}, {y}) should lie in the mask");
            Assert.True(Distance(original.GetPixel(x, y), result.GetPixel(x, y)) > 30, $"{o.Label}: the mask at ({x}, {y}) was not drawn: {result.GetPixel(x, y)}");
        }

        var corner = ((int)catBox.Right - 6, (int)catBox.Bottom - 6);
        Assert.False(objects[1].Mask!.Contains(corner.Item1, corner.Item2));
        RenderingTestImages.AssertNear(original.GetPixel(corner.Item1, corner.Item2), result.GetPixel(corner.Item1, corner.Item2));

        // The box outline: the middle of each box's left edge changed.
        foreach (SegmentedObject o in objects)
        {
            var (x, y) = ((int)Math.Round(o.Box.Left), (int)((o.Box.Top + o.Box.Bottom) / 2));
            Assert.True(Distance(original.GetPixel(x, y), result.GetPixel(x, y)) > 30, $"{o.Label}: no box outline at ({x}, {y})");
        }

        string? target = Environment.GetEnvironmentVariable("PG_ANNOTATED_EXAMPLE");
        if (!string.IsNullOrEmpty(target))
        {
            File.WriteAllBytes(target, png);
        }
    }
}
