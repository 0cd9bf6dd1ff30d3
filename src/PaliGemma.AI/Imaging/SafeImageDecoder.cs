using System.Globalization;
using SkiaSharp;

namespace PaliGemma.AI;

/// <summary>
/// Decodes untrusted encoded images with Skia's codecs (libjpeg-turbo, libpng, libwebp, …): the header is read
/// first and every limit checked before any pixel is decoded; then the first frame is decoded, alpha is dropped
/// or composited onto white (<see cref="ImageLoadOptions.Transparency"/>) and the EXIF orientation applied.
/// </summary>
/// <remarks>
/// Skia is used rather than ImageSharp because its JPEG decoder is libjpeg-turbo, the library Pillow uses:
/// chroma upsampling and IDCT then match Pillow bit for bit (see docs/fidelity.md).
/// </remarks>
internal static class SafeImageDecoder
{
    private const string SupportedFormats = "PNG, JPEG, GIF, WebP, BMP, ICO, WBMP";

    /// <summary>Reads the header of <paramref name="encoded"/> and returns its size, format and orientation.</summary>
    public static ImageInfo Identify(ReadOnlySpan<byte> encoded, ImageLoadOptions options, string subject)
    {
        CheckEncodedLength(encoded.Length, options, subject);
        using SKData data = SKData.CreateCopy(encoded);
        using SKCodec codec = OpenCodec(data, encoded, subject);
        return Describe(codec);
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> to upright 8-bit RGB after checking every limit of
    /// <paramref name="options"/> against the header.
    /// </summary>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, ImageLoadOptions options, string subject)
    {
        CheckEncodedLength(encoded.Length, options, subject);
        using SKData data = SKData.CreateCopy(encoded);
        using SKCodec codec = OpenCodec(data, encoded, subject);
        ImageInfo info = Describe(codec);
        CheckDimensions(info, options, subject);

        int width = codec.Info.Width;
        int height = codec.Info.Height;
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        byte[] rgba = new byte[checked(width * height * 4)];
        SKCodecResult result = codec.GetPixels(target, rgba);
        if (result != SKCodecResult.Success)
        {
            ImageErrorReason reason = result == SKCodecResult.IncompleteInput ? ImageErrorReason.Truncated : ImageErrorReason.Corrupt;
            throw new PaliGemmaImageException(
                reason,
                $"{reason}: {subject} ({info.Format}, {width}x{height}) could not be decoded: the decoder reported {result}.");
        }

        RgbImage stored = options.Transparency == TransparencyMode.CompositeOnWhite
            ? CompositeOnWhite(rgba, width, height)
            : DropAlpha(rgba, width, height);
        return ExifOrientation.Apply(stored, info.Orientation);
    }

    /// <summary>Refuses an image whose header declares too many pixels or an out-of-range side.</summary>
    public static void CheckDimensions(ImageInfo info, ImageLoadOptions options, string subject)
    {
        if (info.PixelCount > options.MaxPixels)
        {
            throw new PaliGemmaImageException(
                ImageErrorReason.TooManyPixels,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"TooManyPixels: {subject} declares {info.Width}x{info.Height} = {info.PixelCount:N0} pixels, which exceeds the limit of {options.MaxPixels:N0} (ImageLoadOptions.MaxPixels)."));
        }

        if (info.Width < 1 || info.Height < 1 || info.Width > options.MaxDimension || info.Height > options.MaxDimension)
        {
            throw new PaliGemmaImageException(
                ImageErrorReason.DimensionOutOfRange,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"DimensionOutOfRange: {subject} declares {info.Width}x{info.Height} pixels; each side must be between 1 and {options.MaxDimension:N0} (ImageLoadOptions.MaxDimension)."));
        }
    }

    /// <summary>Refuses empty input and input over the encoded byte limit.</summary>
    public static void CheckEncodedLength(long length, ImageLoadOptions options, string subject)
    {
        if (length == 0)
        {
            throw new PaliGemmaImageException(ImageErrorReason.Empty, $"Empty: {subject} has no bytes.");
        }

        BoundedReader.CheckLength(length, options.MaxEncodedBytes, subject);
    }

    private static SKCodec OpenCodec(SKData data, ReadOnlySpan<byte> encoded, string subject)
    {
        ImageHeaderReads.Note();
        // The codec takes ownership of the stream, and reads only the header here.
        var stream = new SKMemoryStream(data);
        SKCodec? codec = SKCodec.Create(stream, out SKCodecResult result);
        if (codec is not null)
        {
            return codec;
        }

        stream.Dispose();
        ImageErrorReason reason = result switch
        {
            SKCodecResult.Unimplemented => ImageErrorReason.UnknownFormat,
            SKCodecResult.IncompleteInput => ImageErrorReason.Truncated,
            _ => ImageErrorReason.Corrupt,
        };
        string detail = reason == ImageErrorReason.UnknownFormat
            ? $"is not in a supported image format ({SupportedFormats}); it starts with bytes {Hex(encoded)}"
            : $"could not be read: the decoder reported {result} while reading the header (first bytes {Hex(encoded)}, {encoded.Length:N0} bytes in all)";
        throw new PaliGemmaImageException(reason, string.Create(CultureInfo.InvariantCulture, $"{reason}: {subject} {detail}."));
    }

    private static ImageInfo Describe(SKCodec codec)
    {
        int orientation = (int)codec.EncodedOrigin is >= 1 and <= 8 ? (int)codec.EncodedOrigin : 1;
        bool transposed = orientation >= 5;
        int width = transposed ? codec.Info.Height : codec.Info.Width;
        int height = transposed ? codec.Info.Width : codec.Info.Height;
        (string name, string mediaType) = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Png => ("PNG", "image/png"),
            SKEncodedImageFormat.Jpeg => ("JPEG", "image/jpeg"),
            SKEncodedImageFormat.Gif => ("GIF", "image/gif"),
            SKEncodedImageFormat.Webp => ("WebP", "image/webp"),
            SKEncodedImageFormat.Bmp => ("BMP", "image/bmp"),
            SKEncodedImageFormat.Ico => ("ICO", "image/x-icon"),
            SKEncodedImageFormat.Wbmp => ("WBMP", "image/vnd.wap.wbmp"),
            SKEncodedImageFormat.Heif => ("HEIF", "image/heif"),
            SKEncodedImageFormat.Avif => ("AVIF", "image/avif"),
            SKEncodedImageFormat other => (other.ToString().ToUpperInvariant(), "application/octet-stream"),
        };
        return new ImageInfo(width, height, name, mediaType, orientation);
    }

    /// <summary>Keeps the stored colour of every pixel (Pillow's <c>convert("RGB")</c>).</summary>
    private static RgbImage DropAlpha(byte[] rgba, int width, int height)
    {
        var rgb = new RgbImage(width, height);
        byte[] dst = rgb.Pixels;
        for (int s = 0, d = 0; s < rgba.Length; s += 4, d += 3)
        {
            dst[d] = rgba[s];
            dst[d + 1] = rgba[s + 1];
            dst[d + 2] = rgba[s + 2];
        }

        return rgb;
    }

    /// <summary>
    /// Composites straight alpha onto opaque white with Pillow's integer arithmetic
    /// (<c>Image.alpha_composite</c> with a white background), so results match Hugging Face's convert_to_rgb.
    /// </summary>
    private static RgbImage CompositeOnWhite(byte[] rgba, int width, int height)
    {
        var rgb = new RgbImage(width, height);
        byte[] dst = rgb.Pixels;
        for (int s = 0, d = 0; s < rgba.Length; s += 4, d += 3)
        {
            byte alpha = rgba[s + 3];
            dst[d] = Blend(rgba[s], alpha);
            dst[d + 1] = Blend(rgba[s + 1], alpha);
            dst[d + 2] = Blend(rgba[s + 2], alpha);
        }

        return rgb;
    }

    /// <summary>Pillow's rounded (value·a + 255·(255 − a)) / 255 with 7 extra bits of precision.</summary>
    internal static byte Blend(byte value, byte alpha)
    {
        if (alpha == 255)
        {
            return value;
        }

        // With an opaque white destination Pillow's coefficients reduce to a·128 and (255 − a)·128.
        uint t = ((uint)((value * alpha) + (255 * (255 - alpha))) << 7) + (0x80u << 7);
        return (byte)((((t >> 8) + t) >> 8) >> 7);
    }

    private static string Hex(ReadOnlySpan<byte> data) =>
        data.Length == 0 ? "(none)" : Convert.ToHexString(data[..Math.Min(8, data.Length)]);
}
