using System.Text.Json;

namespace PaliGemma.AI;

/// <summary>
/// Writes detection and segmentation results as one COCO JSON file (<c>images</c>, <c>annotations</c>,
/// <c>categories</c>) that pycocotools, FiftyOne, CVAT and Label Studio read. Boxes become COCO's
/// <c>[x, y, width, height]</c> in pixels, masks uncompressed RLE (<see cref="CocoRle"/>).
/// </summary>
/// <remarks>
/// Memory stays bounded whatever the number of images: images are written to the output as they are added and
/// annotations are spooled to a temporary file, copied in by <see cref="Complete"/>. Categories are the labels given
/// to the constructor, in order (ids 1, 2, …), followed by any other label an object carries, in order of first use.
/// </remarks>
public sealed class CocoWriter : IDisposable
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly FileStream _annotationSpool;
    private readonly Dictionary<string, int> _categoryIds = new(StringComparer.Ordinal);
    private readonly List<string> _categories = [];
    private int _nextImageId = 1;
    private int _nextAnnotationId = 1;
    private bool _completed;
    private bool _disposed;

    /// <summary>Starts a COCO file on <paramref name="output"/>.</summary>
    /// <param name="output">A writable stream.</param>
    /// <param name="categories">The requested labels, which become the first categories in order (duplicates ignored).</param>
    /// <param name="leaveOpen">Whether to leave <paramref name="output"/> open when the writer is disposed.</param>
    public CocoWriter(Stream output, IEnumerable<string> categories, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(categories);
        if (!output.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(output));
        }

        _output = output;
        _leaveOpen = leaveOpen;
        foreach (string label in categories)
        {
            CategoryId(label);
        }

        _annotationSpool = new FileStream(
            Path.Combine(Path.GetTempPath(), $"paligemma-coco-{Guid.NewGuid():N}.tmp"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        WriteAscii(_output, "{\"images\":[");
    }

    /// <summary>
    /// Gets whether an object whose label is not among the constructor's categories gets a new category (the default)
    /// rather than being left out (counted in <see cref="SkippedObjectCount"/>). Models sometimes write labels that were not asked for.
    /// </summary>
    public bool AddUnknownLabels { get; init; } = true;

    /// <summary>Gets the number of objects left out because their label was not a category (see <see cref="AddUnknownLabels"/>).</summary>
    public int SkippedObjectCount { get; private set; }

    /// <summary>Gets the number of images added.</summary>
    public int ImageCount => _nextImageId - 1;

    /// <summary>Gets the number of annotations added.</summary>
    public int AnnotationCount => _nextAnnotationId - 1;

    /// <summary>Adds an image and its objects.</summary>
    /// <param name="fileName">The image's file name or path as it should appear in <c>file_name</c>.</param>
    /// <param name="width">The width of the image in pixels.</param>
    /// <param name="height">The height of the image in pixels.</param>
    /// <param name="objects">The objects found on it (boxes and masks in its pixels).</param>
    /// <returns>The image's COCO id.</returns>
    /// <exception cref="InvalidOperationException">The writer was completed.</exception>
    public int AddImage(string fileName, int width, int height, IEnumerable<CocoObject> objects)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (_completed)
        {
            throw new InvalidOperationException("The COCO file was already completed.");
        }

        int imageId = _nextImageId;
        var annotations = new List<CocoAnnotation>();
        int skipped = 0;
        foreach (CocoObject o in objects)
        {
            ArgumentNullException.ThrowIfNull(o, nameof(objects));
            if (!AddUnknownLabels && !_categoryIds.ContainsKey(o.Label))
            {
                skipped++;
                continue;
            }

            annotations.Add(ToAnnotation(_nextAnnotationId + annotations.Count, imageId, o, width, height));
        }

        // Everything is validated before anything is written, so a bad object leaves the file consistent.
        if (imageId > 1)
        {
            _output.WriteByte((byte)',');
        }

        JsonSerializer.Serialize(_output, new CocoImage(imageId, fileName, width, height), CocoJsonContext.Default.CocoImage);
        foreach (CocoAnnotation a in annotations)
        {
            if (a.Id > 1)
            {
                _annotationSpool.WriteByte((byte)',');
            }

            JsonSerializer.Serialize(_annotationSpool, a, CocoJsonContext.Default.CocoAnnotation);
        }

        _nextAnnotationId += annotations.Count;
        SkippedObjectCount += skipped;
        _nextImageId++;
        return imageId;
    }

    /// <summary>Adds an image with the objects of a detection.</summary>
    /// <param name="fileName">The image's file name.</param>
    /// <param name="result">The detection result (its image size is used).</param>
    /// <returns>The image's COCO id.</returns>
    public int AddImage(string fileName, DetectionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return AddImage(fileName, result.ImageWidth, result.ImageHeight, result.Objects.Select(CocoObject.From));
    }

    /// <summary>Adds an image with the objects (and masks) of a segmentation.</summary>
    /// <param name="fileName">The image's file name.</param>
    /// <param name="result">The segmentation result (its image size is used).</param>
    /// <returns>The image's COCO id.</returns>
    public int AddImage(string fileName, SegmentationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return AddImage(fileName, result.ImageWidth, result.ImageHeight, result.Objects.Select(CocoObject.From));
    }

    /// <summary>Writes the annotations and categories and closes the JSON document. Called by <see cref="Dispose"/> if not before.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }

        _completed = true;
        WriteAscii(_output, "],\"annotations\":[");
        _annotationSpool.Flush();
        _annotationSpool.Position = 0;
        _annotationSpool.CopyTo(_output);
        WriteAscii(_output, "],\"categories\":[");
        for (int i = 0; i < _categories.Count; i++)
        {
            if (i > 0)
            {
                _output.WriteByte((byte)',');
            }

            JsonSerializer.Serialize(_output, new CocoCategory(i + 1, _categories[i], "object"), CocoJsonContext.Default.CocoCategory);
        }

        WriteAscii(_output, "]}");
        _output.Flush();
    }

    /// <summary>Completes the file if needed and releases the temporary spool (and the stream unless left open).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            Complete();
        }
        finally
        {
            _disposed = true;
            _annotationSpool.Dispose();
            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }
    }

    private CocoAnnotation ToAnnotation(int id, int imageId, CocoObject o, int width, int height)
    {
        float left = Math.Clamp(o.Box.Left, 0, width), top = Math.Clamp(o.Box.Top, 0, height);
        float right = Math.Clamp(o.Box.Right, left, width), bottom = Math.Clamp(o.Box.Bottom, top, height);
        float w = right - left, h = bottom - top;
        CocoRle? rle;
        double area;
        if (o.Mask is { } mask && mask.ImageWidth == width && mask.ImageHeight == height)
        {
            (rle, area) = (mask.ToCocoRle(), mask.Area);
        }
        else if (o.Rle is { } given && IsValid(given, width, height, out long foreground))
        {
            (rle, area) = (given, foreground);
        }
        else
        {
            (rle, area) = (null, (double)w * h);
        }

        return new CocoAnnotation(id, imageId, CategoryId(o.Label), [left, top, w, h], area, rle, 0);
    }

    private static bool IsValid(CocoRle rle, int width, int height, out long foreground)
    {
        foreground = 0;
        if (rle.Size is not [int h, int w] || h != height || w != width)
        {
            return false;
        }

        long total = 0;
        for (int i = 0; i < rle.Counts.Count; i++)
        {
            int run = rle.Counts[i];
            if (run < 0)
            {
                return false;
            }

            total += run;
            foreground += (i % 2 == 1) ? run : 0;
        }

        return total == (long)width * height;
    }

    private int CategoryId(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (!_categoryIds.TryGetValue(label, out int id))
        {
            _categories.Add(label);
            id = _categories.Count;
            _categoryIds.Add(label, id);
        }

        return id;
    }

    private static void WriteAscii(Stream stream, string text) => stream.Write(System.Text.Encoding.ASCII.GetBytes(text));
}
