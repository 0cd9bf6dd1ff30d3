using System.Collections;
using System.Collections.ObjectModel;
using System.Text.Json.Serialization;
using System.Drawing;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI;

/// <summary>
/// A binary object mask in pixels of the original image, made from the mask decoder's 64×64 logits and
/// the object's box the way big_vision's segmentation evaluator does it: each box edge is truncated to an
/// integer pixel (Python <c>int()</c>, toward zero), the logits are resized to the truncated box with
/// Pillow-compatible bilinear resampling, thresholded at &gt; 0 and pasted at the box. Parts of the box
/// outside the image are cut off (the resize still uses the whole box, so the visible part is unchanged).
/// Only the visible box-local bits are stored; everything outside <see cref="PixelBounds"/> is background.
/// In JSON a mask is written as COCO RLE by <see cref="SegmentationMaskJsonConverter"/>.
/// </summary>
[JsonConverter(typeof(SegmentationMaskJsonConverter))]
public sealed class SegmentationMask
{
    /// <summary>The largest image accepted, in pixels (width × height).</summary>
    public const long MaxImagePixels = 1L << 28;

    private const int EdgeLimit = 1 << 30;
    private readonly BitArray _bits;

    private SegmentationMask(int imageWidth, int imageHeight, BoundingBox box, Rectangle bounds, BitArray bits, int area, float[] logits)
    {
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        Box = box;
        PixelBounds = bounds;
        _bits = bits;
        Area = area;
        Logits = Array.AsReadOnly(logits);
    }

    /// <summary>Gets the width of the original image, in pixels.</summary>
    public int ImageWidth { get; }

    /// <summary>Gets the height of the original image, in pixels.</summary>
    public int ImageHeight { get; }

    /// <summary>Gets the object's box the mask was placed in (pixel coordinates, as given).</summary>
    public BoundingBox Box { get; }

    /// <summary>Gets the pixels the mask may cover: the truncated box clipped to the image (may be empty).</summary>
    public Rectangle PixelBounds { get; }

    /// <summary>Gets the number of foreground pixels.</summary>
    public int Area { get; }

    /// <summary>Gets the decoder's soft 64×64 logits, row-major (row = y); foreground where &gt; 0.</summary>
    public ReadOnlyCollection<float> Logits { get; }

    /// <summary>Builds a mask from decoder logits and a box.</summary>
    /// <param name="logits">4096 logits, row-major 64×64, as returned by <see cref="MaskDecoder.DecodeLogits"/>.</param>
    /// <param name="box">The object's box in pixel coordinates of the original image.</param>
    /// <param name="imageWidth">The original image's width in pixels.</param>
    /// <param name="imageHeight">The original image's height in pixels.</param>
    /// <exception cref="ArgumentException">Not 4096 logits, a non-finite logit or box coordinate.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The image size is not positive or exceeds <see cref="MaxImagePixels"/>.</exception>
    public static SegmentationMask FromLogits(ReadOnlySpan<float> logits, BoundingBox box, int imageWidth, int imageHeight)
    {
        const int side = MaskDecoderGraphNames.MaskSize;
        if (logits.Length != side * side)
        {
            throw new ArgumentException($"Expected {side * side} logits (64×64), got {logits.Length}.", nameof(logits));
        }

        foreach (float v in logits)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The logits contain a non-finite value.", nameof(logits));
            }
        }

        if (!float.IsFinite(box.Left) || !float.IsFinite(box.Top) || !float.IsFinite(box.Right) || !float.IsFinite(box.Bottom))
        {
            throw new ArgumentException($"The box {box} has a non-finite coordinate.", nameof(box));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        if ((long)imageWidth * imageHeight > MaxImagePixels)
        {
            throw new ArgumentOutOfRangeException(nameof(imageWidth), $"The image {imageWidth}×{imageHeight} exceeds {MaxImagePixels} pixels.");
        }

        // big_vision: y1, x1, y2, x2 = map(int, ...) — truncation toward zero.
        long x1 = Truncate(box.Left), y1 = Truncate(box.Top), x2 = Truncate(box.Right), y2 = Truncate(box.Bottom);
        int cx1 = (int)Math.Clamp(x1, 0, imageWidth), cx2 = (int)Math.Clamp(x2, 0, imageWidth);
        int cy1 = (int)Math.Clamp(y1, 0, imageHeight), cy2 = (int)Math.Clamp(y2, 0, imageHeight);
        float[] copy = logits.ToArray();
        if (x2 <= x1 || y2 <= y1 || cx2 <= cx1 || cy2 <= cy1)
        {
            return new SegmentationMask(imageWidth, imageHeight, box, Rectangle.Empty, new BitArray(0), 0, copy);
        }

        int width = cx2 - cx1, height = cy2 - cy1;
        var bits = new BitArray(checked(width * height));
        int area = 0;
        PilBilinearResampler.ResizeWindow(
            copy, side, side, x2 - x1, y2 - y1, cx1 - x1, cy1 - y1, width, height,
            (row, values) =>
            {
                for (int x = 0; x < values.Length; x++)
                {
                    if (values[x] > 0f)
                    {
                        bits[(row * width) + x] = true;
                        area++;
                    }
                }
            });
        return new SegmentationMask(imageWidth, imageHeight, box, new Rectangle(cx1, cy1, width, height), bits, area, copy);
    }

    /// <summary>Returns whether pixel (<paramref name="x"/>, <paramref name="y"/>) is foreground; false outside the image.</summary>
    public bool Contains(int x, int y)
    {
        Rectangle r = PixelBounds;
        int dx = x - r.X, dy = y - r.Y;
        return (uint)dx < (uint)r.Width && (uint)dy < (uint)r.Height && _bits[(dy * r.Width) + dx];
    }

    /// <summary>Exports the mask as a COCO uncompressed RLE over the whole image (see <see cref="CocoRle"/>).</summary>
    public CocoRle ToCocoRle() => CocoRle.Encode(this);

    /// <summary>Encodes the mask as an 8-bit grayscale PNG of the image's size: 255 = object, 0 = background.</summary>
    public byte[] ToPng() => MaskPngEncoder.Encode(this);

    private static long Truncate(float value) => (long)Math.Clamp(MathF.Truncate(value), -EdgeLimit, EdgeLimit);
}
