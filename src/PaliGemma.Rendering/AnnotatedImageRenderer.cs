using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.Rendering;

/// <summary>
/// Draws PaliGemma results onto the image they came from: translucent masks, box outlines and labels; returns a PNG.
/// Boxes and masks are in pixels of the image as decoded (EXIF orientation is not applied, matching the pixels the
/// model saw when the caller decoded the same bytes without rotation). Thread-safe: nothing is shared between calls
/// except cached font files.
/// </summary>
public static partial class AnnotatedImageRenderer
{
    /// <summary>Draws detections (boxes and labels).</summary>
    /// <param name="image">The encoded image (PNG, JPEG, WebP, GIF, BMP…).</param>
    /// <param name="objects">The detections, in pixel coordinates of <paramref name="image"/>.</param>
    /// <param name="options">Drawing options; null for defaults.</param>
    /// <returns>The annotated image as PNG bytes.</returns>
    /// <exception cref="ArgumentException">The image is empty, too large, or not a decodable image.</exception>
    public static byte[] Render(byte[] image, IEnumerable<DetectedObject> objects, AnnotationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return Render(image, objects.Select(o => new Annotation(o.Label, o.Box, null)).ToList(), options);
    }

    /// <summary>Draws segmentations (masks when present, boxes and labels).</summary>
    /// <param name="image">The encoded image (PNG, JPEG, WebP, GIF, BMP…).</param>
    /// <param name="objects">The segmented objects, in pixel coordinates of <paramref name="image"/>; objects without a mask get a box only.</param>
    /// <param name="options">Drawing options; null for defaults.</param>
    /// <returns>The annotated image as PNG bytes.</returns>
    /// <exception cref="ArgumentException">The image is empty, too large, or not a decodable image.</exception>
    public static byte[] Render(byte[] image, IEnumerable<SegmentedObject> objects, AnnotationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return Render(image, objects.Select(o => new Annotation(o.Label, o.Box, o.Mask)).ToList(), options);
    }

    private static byte[] Render(byte[] image, List<Annotation> annotations, AnnotationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new AnnotationOptions();
        Validate(options);
        ILogger logger = options.Logger ?? NullLogger.Instance;
        using SKBitmap bitmap = Decode(image, options);
        using (var canvas = new SKCanvas(bitmap))
        {
            float shortSide = Math.Min(bitmap.Width, bitmap.Height);
            float stroke = options.StrokeWidth ?? Math.Max(2f, shortSide / 200f);
            float fontSize = options.FontSize ?? Math.Max(12f, shortSide / 30f);

            foreach (Annotation a in annotations)
            {
                if (a.Mask is { } mask)
                {
                    if (mask.ImageWidth == bitmap.Width && mask.ImageHeight == bitmap.Height)
                    {
                        MaskPainter.Paint(canvas, mask, ColorOf(a.Label, options), options.MaskOpacity, options.DrawMaskOutlines);
                    }
                    else
                    {
                        LogMaskSizeMismatch(logger, a.Label, mask.ImageWidth, mask.ImageHeight, bitmap.Width, bitmap.Height);
                    }
                }
            }

            using var boxPaint = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
            foreach (Annotation a in annotations)
            {
                if (IsFinite(a.Box))
                {
                    boxPaint.Color = ColorOf(a.Label, options);
                    canvas.DrawRect(SKRect.Create(a.Box.Left, a.Box.Top, a.Box.Width, a.Box.Height), boxPaint);
                }
            }

            SKTypeface? typeface = options.DrawLabels && annotations.Any(a => a.Label.Length > 0) ? LabelFont.Resolve(options, logger) : null;
            if (typeface is not null)
            {
                using var font = new SKFont(typeface, fontSize);
                foreach (Annotation a in annotations)
                {
                    if (IsFinite(a.Box) && LabelPainter.Clean(a.Label) is { Length: > 0 } text)
                    {
                        LabelPainter.Paint(canvas, font, text, a.Box, ColorOf(a.Label, options), bitmap.Width, bitmap.Height);
                    }
                }
            }
        }

        using SKImage snapshot = SKImage.FromBitmap(bitmap);
        using SKData png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static void Validate(AnnotationOptions options)
    {
        if (options.FontSize is { } size && !(float.IsFinite(size) && size > 0 && size <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"AnnotationOptions.FontSize must be in (0, 1000] pixels, got {size}.");
        }

        if (options.StrokeWidth is { } stroke && !(float.IsFinite(stroke) && stroke > 0 && stroke <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"AnnotationOptions.StrokeWidth must be in (0, 1000] pixels, got {stroke}.");
        }

        if (!float.IsFinite(options.MaskOpacity) || options.MaskOpacity < 0 || options.MaskOpacity > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"AnnotationOptions.MaskOpacity must be between 0 and 1, got {options.MaskOpacity}.");
        }
    }

    private static SKBitmap Decode(byte[] image, AnnotationOptions options)
    {
        if (image.Length == 0)
        {
            throw new ArgumentException("The image is empty.", nameof(image));
        }

        if (image.Length > options.MaxEncodedBytes)
        {
            throw new ArgumentException($"The image is {image.Length} bytes; at most {options.MaxEncodedBytes} are accepted (AnnotationOptions.MaxEncodedBytes).", nameof(image));
        }

        using SKData data = SKData.CreateCopy(image);
        using SKCodec? codec = SKCodec.Create(data)
            ?? throw new ArgumentException("The bytes are not an image format SkiaSharp can decode.", nameof(image));
        SKImageInfo info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > options.MaxPixels)
        {
            throw new ArgumentException($"The image is {info.Width}×{info.Height} pixels; at most {options.MaxPixels} are accepted (AnnotationOptions.MaxPixels).", nameof(image));
        }

        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(target);
        SKCodecResult result = codec.GetPixels(target, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new ArgumentException($"The image could not be decoded ({result}: corrupt or truncated data).", nameof(image));
        }

        return bitmap;
    }

    private static SKColor ColorOf(string label, AnnotationOptions options)
    {
        IReadOnlyList<SKColor> palette = options.Palette is { Count: > 0 } p ? p : [SKColors.Red];

        // FNV-1a: stable across processes, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (char c in label)
        {
            hash = (hash ^ c) * 16777619;
        }

        return palette[(int)(hash % (uint)palette.Count)];
    }

    private static bool IsFinite(BoundingBox b) =>
        float.IsFinite(b.Left) && float.IsFinite(b.Top) && float.IsFinite(b.Right) && float.IsFinite(b.Bottom);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mask of '{Label}' is for a {MaskWidth}x{MaskHeight} image but the image is {Width}x{Height}; mask not drawn.")]
    private static partial void LogMaskSizeMismatch(ILogger logger, string label, int maskWidth, int maskHeight, int width, int height);

    private sealed record Annotation(string Label, BoundingBox Box, SegmentationMask? Mask);
}
