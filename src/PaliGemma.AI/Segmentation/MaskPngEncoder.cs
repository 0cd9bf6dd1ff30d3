using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PaliGemma.AI;

/// <summary>Writes a <see cref="SegmentationMask"/> as an L8 PNG (white = mask).</summary>
internal static class MaskPngEncoder
{
    public static byte[] Encode(SegmentationMask mask)
    {
        using var image = new Image<L8>(mask.ImageWidth, mask.ImageHeight);
        Rectangle r = mask.PixelBounds;
        if (r.Width > 0)
        {
            image.ProcessPixelRows(accessor =>
            {
                for (int y = r.Top; y < r.Bottom; y++)
                {
                    Span<L8> row = accessor.GetRowSpan(y);
                    for (int x = r.Left; x < r.Right; x++)
                    {
                        if (mask.Contains(x, y))
                        {
                            row[x] = new L8(255);
                        }
                    }
                }
            });
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
