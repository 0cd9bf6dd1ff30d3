using System.Drawing;
using SkiaSharp;

namespace PaliGemma.AI;

/// <summary>Writes a <see cref="SegmentationMask"/> as an 8-bit grayscale PNG (white = mask).</summary>
internal static class MaskPngEncoder
{
    public static byte[] Encode(SegmentationMask mask)
    {
        var info = new SKImageInfo(mask.ImageWidth, mask.ImageHeight, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Span<byte> pixels = bitmap.GetPixelSpan();
        pixels.Clear();
        Rectangle r = mask.PixelBounds;
        int stride = bitmap.RowBytes;
        for (int y = r.Top; y < r.Bottom; y++)
        {
            Span<byte> row = pixels.Slice(y * stride, mask.ImageWidth);
            for (int x = r.Left; x < r.Right; x++)
            {
                if (mask.Contains(x, y))
                {
                    row[x] = 255;
                }
            }
        }

        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
