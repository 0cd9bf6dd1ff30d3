using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace PaliGemma.AI;

/// <summary>
/// Decodes untrusted encoded images with ImageSharp: header first, limits checked before any pixel is decoded,
/// then the first frame is decoded, EXIF orientation applied and alpha composited onto white.
/// </summary>
internal static class SafeImageDecoder
{
    /// <summary>ImageSharp configurations keyed by their allocation limit in MiB.</summary>
    private static readonly ConcurrentDictionary<int, Configuration> Configurations = new();

    /// <summary>Reads the header of <paramref name="encoded"/> and returns its size, format and orientation.</summary>
    public static ImageInfo Identify(ReadOnlyMemory<byte> encoded, ImageLoadOptions options, string subject)
    {
        CheckEncodedLength(encoded.Length, options, subject);
        Configuration configuration = GetConfiguration(options);
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            using Stream stream = AsStream(encoded);
            info = Image.Identify(configuration, stream, out format);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Wrap(ex, subject);
        }

        if (info is null || format is null)
        {
            throw new PaliGemmaImageException(
                ImageErrorReason.UnknownFormat,
                $"UnknownFormat: {subject} is not in a supported image format ({SupportedFormats(configuration)}); it starts with bytes {Hex(encoded.Span)}.");
        }

        int orientation = ReadOrientation(info);
        bool transposed = orientation is >= 5 and <= 8;
        int width = transposed ? info.Height : info.Width;
        int height = transposed ? info.Width : info.Height;
        return new ImageInfo(width, height, format.Name, format.DefaultMimeType, orientation);
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> to upright 8-bit RGB after checking every limit of
    /// <paramref name="options"/> against the header.
    /// </summary>
    public static RgbImage Decode(ReadOnlyMemory<byte> encoded, ImageLoadOptions options, string subject)
    {
        ImageInfo info = Identify(encoded, options, subject);
        CheckDimensions(info, options, subject);

        Image<Rgba32> image;
        try
        {
            image = Image.Load<Rgba32>(GetConfiguration(options), encoded.Span);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Wrap(ex, subject);
        }

        using (image)
        {
            image.Mutate(static x => x.AutoOrient());
            if (image.Width != info.Width || image.Height != info.Height)
            {
                throw new PaliGemmaImageException(
                    ImageErrorReason.Corrupt,
                    $"Corrupt: {subject} declares {info.Width}x{info.Height} pixels but decodes to {image.Width}x{image.Height}.");
            }

            return CompositeOnWhite(image);
        }
    }

    /// <summary>Refuses an image whose header declares too many pixels or an out-of-range side.</summary>
    public static void CheckDimensions(ImageInfo info, ImageLoadOptions options, string subject)
    {
        if (info.Width < 1 || info.Height < 1 || info.Width > options.MaxDimension || info.Height > options.MaxDimension)
        {
            throw new PaliGemmaImageException(
                ImageErrorReason.DimensionOutOfRange,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"DimensionOutOfRange: {subject} declares {info.Width}x{info.Height} pixels; each side must be between 1 and {options.MaxDimension:N0} (ImageLoadOptions.MaxDimension)."));
        }

        if (info.PixelCount > options.MaxPixels)
        {
            throw new PaliGemmaImageException(
                ImageErrorReason.TooManyPixels,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"TooManyPixels: {subject} declares {info.Width}x{info.Height} = {info.PixelCount:N0} pixels, which exceeds the limit of {options.MaxPixels:N0} (ImageLoadOptions.MaxPixels)."));
        }
    }

    /// <summary>Refuses empty input and input over the encoded byte limit.</summary>
    public static void CheckEncodedLength(long length, ImageLoadOptions options, string subject)
    {
        if (length == 0)
        {
            throw new PaliGemmaImageException(ImageErrorReason.Empty, $"Empty: {subject} has no bytes.");
        }

        if (length > options.MaxEncodedBytes)
        {
            throw BoundedReader.TooLarge(subject, length.ToString("N0", CultureInfo.InvariantCulture), options.MaxEncodedBytes);
        }
    }

    /// <summary>
    /// Composites straight alpha onto opaque white with Pillow's integer arithmetic
    /// (<c>Image.alpha_composite</c> with a white background), so results match Hugging Face's convert_to_rgb.
    /// </summary>
    private static RgbImage CompositeOnWhite(Image<Rgba32> image)
    {
        var rgb = new RgbImage(image.Width, image.Height);
        byte[] dst = rgb.Pixels;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                Span<Rgba32> row = accessor.GetRowSpan(y);
                int o = y * rgb.Stride;
                for (int x = 0; x < row.Length; x++, o += 3)
                {
                    Rgba32 p = row[x];
                    dst[o] = Blend(p.R, p.A);
                    dst[o + 1] = Blend(p.G, p.A);
                    dst[o + 2] = Blend(p.B, p.A);
                }
            }
        });
        return rgb;
    }

    /// <summary>Pillow's rounded (value·a + 255·(255 − a)) / 255 with 7 extra bits of precision.</summary>
    private static byte Blend(byte value, byte alpha)
    {
        if (alpha == 255)
        {
            return value;
        }

        // With an opaque white destination Pillow's coefficients reduce to a·128 and (255 − a)·128.
        uint t = ((uint)((value * alpha) + (255 * (255 - alpha))) << 7) + (0x80u << 7);
        return (byte)((((t >> 8) + t) >> 8) >> 7);
    }

    private static int ReadOrientation(IImageInfo info)
    {
        IExifValue<ushort>? value = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation);
        return value is not null && value.Value is >= 1 and <= 8 ? value.Value : 1;
    }

    private static Configuration GetConfiguration(ImageLoadOptions options)
    {
        // A generous per-buffer limit (16 bytes per pixel covers ImageSharp's widest working formats) as a
        // second line of defence behind the header checks.
        int limitMb = (int)Math.Min(int.MaxValue, Math.Max(64, (options.MaxPixels * 16 / (1024 * 1024)) + 16));
        return Configurations.GetOrAdd(limitMb, static mb =>
        {
            Configuration configuration = Configuration.Default.Clone();
            configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = mb });
            configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
            configuration.PreferContiguousImageBuffers = false;
            return configuration;
        });
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> encoded) =>
        MemoryMarshal.TryGetArray(encoded, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(encoded.ToArray(), writable: false);

    /// <summary>Exceptions ImageSharp's decoders raise for bad input (not programming errors or cancellation).</summary>
    private static bool IsDecoderFailure(Exception ex) =>
        ex is ImageFormatException or NotSupportedException or InvalidDataException or EndOfStreamException
            or IndexOutOfRangeException or ArgumentException or InvalidOperationException or InvalidMemoryOperationException
            or OverflowException;

    private static PaliGemmaImageException Wrap(Exception ex, string subject)
    {
        ImageErrorReason reason = ex switch
        {
            UnknownImageFormatException => ImageErrorReason.UnknownFormat,
            EndOfStreamException => ImageErrorReason.Truncated,
            _ when ex.Message.Contains("end of stream", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("premature", StringComparison.OrdinalIgnoreCase) => ImageErrorReason.Truncated,
            _ => ImageErrorReason.Corrupt,
        };
        return new PaliGemmaImageException(reason, $"{reason}: {subject} could not be decoded: {ex.Message}", ex);
    }

    private static string SupportedFormats(Configuration configuration) =>
        string.Join(", ", configuration.ImageFormats.Select(f => f.Name).Order(StringComparer.Ordinal));

    private static string Hex(ReadOnlySpan<byte> data) =>
        data.Length == 0 ? "(none)" : Convert.ToHexString(data[..Math.Min(8, data.Length)]);
}
