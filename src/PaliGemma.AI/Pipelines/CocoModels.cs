namespace PaliGemma.AI;

/// <summary>An entry of a COCO file's <c>images</c> array.</summary>
/// <param name="Id">The image id (1-based, in the order images were added).</param>
/// <param name="FileName">The image's file name or path, as given.</param>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
public sealed record CocoImage(int Id, string FileName, int Width, int Height);

/// <summary>An entry of a COCO file's <c>categories</c> array.</summary>
/// <param name="Id">The category id (1-based).</param>
/// <param name="Name">The label.</param>
/// <param name="Supercategory">The super-category (always <c>object</c>).</param>
public sealed record CocoCategory(int Id, string Name, string Supercategory);

/// <summary>An entry of a COCO file's <c>annotations</c> array.</summary>
/// <param name="Id">The annotation id (1-based).</param>
/// <param name="ImageId">The id of the image it belongs to.</param>
/// <param name="CategoryId">The id of its category.</param>
/// <param name="Bbox">The box as COCO's <c>[x, y, width, height]</c> in pixels, clipped to the image.</param>
/// <param name="Area">The mask's foreground pixel count, or the box area when there is no mask.</param>
/// <param name="Segmentation">The mask as uncompressed COCO RLE, or <see langword="null"/> (omitted) for a detection.</param>
/// <param name="Iscrowd">Always 0.</param>
public sealed record CocoAnnotation(int Id, int ImageId, int CategoryId, IReadOnlyList<float> Bbox, double Area, CocoRle? Segmentation, int Iscrowd);

/// <summary>One object to export: a label, its box in original-image pixels and an optional mask.</summary>
/// <param name="Label">The object's label; it becomes (or matches) a COCO category.</param>
/// <param name="Box">The box in pixels of the original image.</param>
/// <param name="Mask">The object's mask, or <see langword="null"/> for a detection without one.</param>
public sealed record CocoObject(string Label, BoundingBox Box, SegmentationMask? Mask = null)
{
    /// <summary>
    /// Gets a mask already in COCO RLE (for example read back from a results file), used when <see cref="Mask"/> is null;
    /// its area is the sum of its foreground runs.
    /// </summary>
    public CocoRle? Rle { get; init; }

    /// <summary>Converts a detection.</summary>
    /// <param name="detected">The detected object.</param>
    /// <returns>The object to export (no mask).</returns>
    public static CocoObject From(DetectedObject detected)
    {
        ArgumentNullException.ThrowIfNull(detected);
        return new CocoObject(detected.Label, detected.Box);
    }

    /// <summary>Converts a segmented object (with its decoded mask when it has one).</summary>
    /// <param name="segmented">The segmented object.</param>
    /// <returns>The object to export.</returns>
    public static CocoObject From(SegmentedObject segmented)
    {
        ArgumentNullException.ThrowIfNull(segmented);
        return new CocoObject(segmented.Label, segmented.Box, segmented.Mask);
    }
}
