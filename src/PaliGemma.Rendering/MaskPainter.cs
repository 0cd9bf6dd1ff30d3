using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.Rendering;

/// <summary>Blends a mask's pixels with a translucent colour.</summary>
internal static class MaskPainter
{
    public static void Paint(SKCanvas canvas, SegmentationMask mask, SKColor color, float opacity)
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
        int rowBytes = overlay.RowBytes;
        for (int y = 0; y < bounds.Height; y++)
        {
            Span<byte> row = pixels.Slice(y * rowBytes, bounds.Width * 4);
            for (int x = 0; x < bounds.Width; x++)
            {
                if (mask.Contains(bounds.X + x, bounds.Y + y))
                {
                    row[(x * 4) + 0] = r;
                    row[(x * 4) + 1] = g;
                    row[(x * 4) + 2] = b;
                    row[(x * 4) + 3] = alpha;
                }
            }
        }

        canvas.DrawBitmap(overlay, bounds.X, bounds.Y, new SKSamplingOptions(SKFilterMode.Nearest), null);
    }

    private static byte Premultiply(byte channel, byte alpha) => (byte)(((channel * alpha) + 127) / 255);
}
