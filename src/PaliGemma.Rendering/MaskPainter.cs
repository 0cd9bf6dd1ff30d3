using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.Rendering;

/// <summary>Blends a mask's pixels with a translucent colour and, optionally, draws its outline (the mask pixels with a
/// 4-neighbour outside the mask) in the opaque colour, so a mask stays visible on an object of a similar colour.</summary>
internal static class MaskPainter
{
    public static void Paint(SKCanvas canvas, SegmentationMask mask, SKColor color, float opacity, bool outline)
    {
        var bounds = mask.PixelBounds;
        if (bounds.Width <= 0 || bounds.Height <= 0 || mask.Area == 0)
        {
            return;
        }

        byte alpha = (byte)Math.Clamp(MathF.Round(Math.Clamp(opacity, 0f, 1f) * 255f), 0, 255);
        using var overlay = new SKBitmap(new SKImageInfo(bounds.Width, bounds.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Span<byte> pixels = overlay.GetPixelSpan();
        pixels.Clear();
        byte r = Premultiply(color.Red, alpha), g = Premultiply(color.Green, alpha), b = Premultiply(color.Blue, alpha);
        Span<byte> fill = [r, g, b, alpha];
        Span<byte> edge = [color.Red, color.Green, color.Blue, 255];
        int rowBytes = overlay.RowBytes;
        for (int y = 0; y < bounds.Height; y++)
        {
            Span<byte> row = pixels.Slice(y * rowBytes, bounds.Width * 4);
            for (int x = 0; x < bounds.Width; x++)
            {
                int px = bounds.X + x, py = bounds.Y + y;
                if (mask.Contains(px, py))
                {
                    bool onEdge = outline && !(mask.Contains(px - 1, py) && mask.Contains(px + 1, py) && mask.Contains(px, py - 1) && mask.Contains(px, py + 1));
                    (onEdge ? edge : fill).CopyTo(row.Slice(x * 4, 4));
                }
            }
        }

        canvas.DrawBitmap(overlay, bounds.X, bounds.Y, new SKSamplingOptions(SKFilterMode.Nearest), null);
    }

    private static byte Premultiply(byte channel, byte alpha) => (byte)(((channel * alpha) + 127) / 255);
}
