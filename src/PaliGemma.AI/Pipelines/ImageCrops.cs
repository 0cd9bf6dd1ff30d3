using System.Drawing;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace PaliGemma.AI;

/// <summary>Cuts a box (with padding) out of decoded pixels and encodes it as PNG for a follow-up request.</summary>
internal static class ImageCrops
{
    /// <summary>The box padded by <paramref name="padding"/> × its size on each side, rounded outward and clipped; null when empty.</summary>
    public static Rectangle? Region(BoundingBox box, float padding, int width, int height)
    {
        if (!float.IsFinite(box.Left) || !float.IsFinite(box.Top) || !float.IsFinite(box.Right) || !float.IsFinite(box.Bottom))
        {
            return null;
        }

        float padX = box.Width * padding, padY = box.Height * padding;
        int left = (int)Math.Clamp(MathF.Floor(box.Left - padX), 0, width);
        int top = (int)Math.Clamp(MathF.Floor(box.Top - padY), 0, height);
        int right = (int)Math.Clamp(MathF.Ceiling(box.Right + padX), 0, width);
        int bottom = (int)Math.Clamp(MathF.Ceiling(box.Bottom + padY), 0, height);
        return right > left && bottom > top ? Rectangle.FromLTRB(left, top, right, bottom) : null;
    }

    /// <summary>Encodes <paramref name="region"/> of <paramref name="image"/> as an RGB PNG.</summary>
    public static byte[] EncodePng(RgbImage image, Rectangle region)
    {
        var info = new SKImageInfo(region.Width, region.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        byte[] rgba = new byte[checked(region.Width * region.Height * 4)];
        byte[] source = image.Pixels;
        for (int y = 0; y < region.Height; y++)
        {
            int s = ((region.Top + y) * image.Stride) + (region.Left * 3);
            int d = y * region.Width * 4;
            for (int x = 0; x < region.Width; x++, s += 3, d += 4)
            {
                rgba[d] = source[s];
                rgba[d + 1] = source[s + 1];
                rgba[d + 2] = source[s + 2];
                rgba[d + 3] = 255;
            }
        }

        GCHandle handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using SKData encoded = pixmap.Encode(SKPngEncoderOptions.Default) ?? throw new InvalidOperationException("Skia could not encode the crop as PNG.");
            return encoded.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }
}
