using PaliGemma.AI;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// Image decoding with limits + preprocessing. Byte 0 picks the output side (1..32 px, so a run stays fast; the
/// resampler is the same for 224/448/896); the rest is the encoded image. The limits are small (64 KiB, 128×128
/// pixels) for speed; larger declared sizes exercise the limit checks, which run before any pixel is decoded. Only <see cref="PaliGemmaImageException"/>
/// may escape, and a result must have the requested shape and values in [-1, 1].
/// </summary>
internal static class ImageTarget
{
    private static readonly ImageLoadOptions Limits = new() { MaxEncodedBytes = 1 << 16, MaxPixels = 1 << 14, MaxDimension = 1024 };

    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length < 1)
        {
            return;
        }

        int size = 1 + (data[0] % 32);
        ReadOnlySpan<byte> encoded = data[1..];
        try
        {
            ImageInfo info = PaliGemmaImageProcessor.Identify(encoded, Limits);
            PreprocessedImage image = PaliGemmaImageProcessor.Preprocess(encoded, size, Limits);
            if (image.PixelValues.Length != 3 * size * size)
            {
                throw new InvariantException($"{image.PixelValues.Length} pixel values for a {size}×{size} output");
            }

            if (image.OriginalWidth <= 0 || image.OriginalHeight <= 0 || (long)info.Width * info.Height > Limits.MaxPixels)
            {
                throw new InvariantException($"bad original size {image.OriginalWidth}×{image.OriginalHeight} (identified {info.Width}×{info.Height})");
            }

            foreach (float value in image.PixelValues)
            {
                if (!(value >= -1f && value <= 1f))
                {
                    throw new InvariantException($"pixel value {value} outside [-1, 1]");
                }
            }
        }
        catch (PaliGemmaImageException)
        {
        }
    }
}
