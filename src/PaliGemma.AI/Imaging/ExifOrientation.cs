namespace PaliGemma.AI;

/// <summary>
/// Applies an EXIF orientation (tag 0x0112) to stored pixels so the result is upright, as Pillow's
/// <c>ImageOps.exif_transpose</c> does: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise,
/// 7 transverse, 8 rotate 90° counter-clockwise.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>Returns <paramref name="stored"/> turned upright; the same instance for orientation 1.</summary>
    public static RgbImage Apply(RgbImage stored, int orientation)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (orientation is < 2 or > 8)
        {
            return stored;
        }

        int w = stored.Width;
        int h = stored.Height;
        bool transposed = orientation >= 5;
        var upright = transposed ? new RgbImage(h, w) : new RgbImage(w, h);
        byte[] src = stored.Pixels;
        byte[] dst = upright.Pixels;
        int outWidth = upright.Width;
        for (int y = 0; y < upright.Height; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                int s = ((sy * w) + sx) * 3;
                int d = ((y * outWidth) + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return upright;
    }
}
