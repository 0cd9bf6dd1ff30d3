using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.Cli.Evaluation;

/// <summary>
/// A scene's ground-truth masks as one label image (<c>scene-&lt;seed&gt;-masks.png</c>): 0 = background, <c>i + 1</c> = the
/// pixels of object <c>i</c>. Objects do not overlap, so one byte per pixel holds them all.
/// </summary>
internal sealed class LabelMask
{
    private readonly byte[] _labels;

    /// <summary>Initializes a new instance from row-major labels.</summary>
    /// <param name="width">The width in pixels.</param>
    /// <param name="height">The height in pixels.</param>
    /// <param name="labels">width × height labels, row-major (row = y).</param>
    public LabelMask(int width, int height, byte[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length != (long)width * height)
        {
            throw new ArgumentException($"Expected {width}×{height} = {(long)width * height} labels, got {labels.Length}.", nameof(labels));
        }

        Width = width;
        Height = height;
        _labels = labels;
    }

    /// <summary>Gets the width in pixels.</summary>
    public int Width { get; }

    /// <summary>Gets the height in pixels.</summary>
    public int Height { get; }

    /// <summary>Reads an 8-bit label PNG of <paramref name="size"/>×<paramref name="size"/> pixels whose labels go up to <paramref name="objectCount"/>.</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="size">The scene's width and height.</param>
    /// <param name="objectCount">The scene's number of objects; every label 1..objectCount must cover at least one pixel.</param>
    /// <returns>The labels.</returns>
    /// <exception cref="SceneSetFormatException">The file is not a decodable image of that size, or its labels do not fit the objects.</exception>
    public static LabelMask Load(string path, int size, int objectCount)
    {
        using SKCodec? codec = SKCodec.Create(path);
        if (codec is null)
        {
            throw new SceneSetFormatException($"The mask file '{path}' is not a decodable image.");
        }

        if (codec.Info.Width != size || codec.Info.Height != size)
        {
            throw new SceneSetFormatException($"The mask file '{path}' is {codec.Info.Width}×{codec.Info.Height}, but the scene is {size}×{size}.");
        }

        var info = new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new SceneSetFormatException($"The mask file '{path}' could not be decoded: {result}.");
        }

        var labels = new byte[size * size];
        ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < size; y++)
        {
            pixels.Slice(y * bitmap.RowBytes, size).CopyTo(labels.AsSpan(y * size, size));
        }

        var mask = new LabelMask(size, size, labels);
        int[] areas = mask.Areas();
        for (int label = 1; label < areas.Length; label++)
        {
            if (label > objectCount ? areas[label] > 0 : areas[label] == 0)
            {
                throw new SceneSetFormatException(label > objectCount
                    ? $"The mask file '{path}' has label {label}, but the scene has only {objectCount} object(s)."
                    : $"The mask file '{path}' has no pixel of object {label - 1} (label {label}).");
            }
        }

        return mask;
    }

    /// <summary>Returns the label at pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte this[int x, int y] => _labels[(y * Width) + x];

    /// <summary>Returns the number of pixels with <paramref name="label"/>.</summary>
    public int Area(int label) => _labels.Count(l => l == label);

    /// <summary>Returns the IoU of the pixels labelled <paramref name="label"/> with a predicted mask (0 for a null mask or an empty union).</summary>
    /// <param name="label">The object's label (its index + 1).</param>
    /// <param name="predicted">The decoded mask on the same pixel grid, or null.</param>
    /// <exception cref="ArgumentException">The mask is for an image of another size.</exception>
    public double IoU(int label, SegmentationMask? predicted)
    {
        if (predicted is null)
        {
            return 0;
        }

        if (predicted.ImageWidth != Width || predicted.ImageHeight != Height)
        {
            throw new ArgumentException($"The predicted mask is for a {predicted.ImageWidth}×{predicted.ImageHeight} image, the ground truth is {Width}×{Height}.", nameof(predicted));
        }

        int intersection = 0;
        System.Drawing.Rectangle bounds = predicted.PixelBounds;
        for (int y = bounds.Top; y < bounds.Bottom; y++)
        {
            for (int x = bounds.Left; x < bounds.Right; x++)
            {
                if (_labels[(y * Width) + x] == label && predicted.Contains(x, y))
                {
                    intersection++;
                }
            }
        }

        int union = Area(label) + predicted.Area - intersection;
        return union > 0 ? (double)intersection / union : 0;
    }

    private int[] Areas()
    {
        var areas = new int[256];
        foreach (byte l in _labels)
        {
            areas[l]++;
        }

        return areas;
    }
}
