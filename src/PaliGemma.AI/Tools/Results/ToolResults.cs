using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace PaliGemma.AI;

/// <summary>
/// The common part of every vision tool result: on failure only <see cref="Error"/> and <see cref="Code"/> are set
/// (and written to JSON); on success both are null and omitted.
/// </summary>
public abstract class PaliGemmaToolResult
{
    /// <summary>Initializes a new instance (an error result, or one whose properties the caller sets).</summary>
    protected PaliGemmaToolResult()
    {
    }

    /// <summary>Initializes a successful result's common part.</summary>
    private protected PaliGemmaToolResult(int imageWidth, int imageHeight, string? rawText)
    {
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        RawText = rawText;
    }

    /// <summary>Gets a sentence an LLM can act on (what was wrong and what to pass instead), or null on success.</summary>
    [JsonPropertyName("error")]
    [JsonPropertyOrder(-4)]
    public string? Error { get; init; }

    /// <summary>Gets a stable machine-readable error code (see <see cref="PaliGemmaToolErrorCodes"/>), or null on success.</summary>
    [JsonPropertyName("code")]
    [JsonPropertyOrder(-3)]
    public string? Code { get; init; }

    /// <summary>Gets the width of the image in pixels (null on failure).</summary>
    [JsonPropertyName("imageWidth")]
    [JsonPropertyOrder(-2)]
    public int? ImageWidth { get; init; }

    /// <summary>Gets the height of the image in pixels (null on failure).</summary>
    [JsonPropertyName("imageHeight")]
    [JsonPropertyOrder(-1)]
    public int? ImageHeight { get; init; }

    /// <summary>Gets the model's text as generated (null on failure, or when raw text is turned off).</summary>
    [JsonPropertyName("rawText")]
    [JsonPropertyOrder(10)]
    public string? RawText { get; init; }

    /// <summary>Gets whether this result is an error.</summary>
    [JsonIgnore]
    public bool IsError => Error is not null;
}

/// <summary>The result of the <c>Detect</c> tool.</summary>
public sealed class DetectToolResult : PaliGemmaToolResult
{
    /// <summary>Initializes a new instance.</summary>
    public DetectToolResult()
    {
    }

    internal DetectToolResult(DetectionResult source, bool includeRawText)
        : base(source.ImageWidth, source.ImageHeight, includeRawText ? source.RawText : null)
    {
        Objects = [.. source.Objects.Select(o => new ToolDetectedObject(o, source.ImageWidth, source.ImageHeight))];
        Source = source;
    }

    /// <summary>Gets the objects found, in the order the model wrote them (null on failure).</summary>
    [JsonPropertyName("objects")]
    public IReadOnlyList<ToolDetectedObject>? Objects { get; init; }

    /// <summary>Gets the typed result this was made from (for hosts that draw it); never serialised.</summary>
    [JsonIgnore]
    public PaliGemma.AI.DetectionResult? Source { get; init; }
}

/// <summary>The result of the <c>Segment</c> tool.</summary>
public sealed class SegmentToolResult : PaliGemmaToolResult
{
    /// <summary>Initializes a new instance.</summary>
    public SegmentToolResult()
    {
    }

    internal SegmentToolResult(SegmentationResult source, bool includeRawText)
        : base(source.ImageWidth, source.ImageHeight, includeRawText ? source.RawText : null)
    {
        Objects = [.. source.Objects.Select(o => new ToolSegmentedObject(o, source.ImageWidth, source.ImageHeight))];
        Source = source;
    }

    /// <summary>Gets the objects segmented, in order (null on failure).</summary>
    [JsonPropertyName("objects")]
    public IReadOnlyList<ToolSegmentedObject>? Objects { get; init; }

    /// <summary>Gets the typed result this was made from, masks included (for hosts that draw it); never serialised.</summary>
    [JsonIgnore]
    public PaliGemma.AI.SegmentationResult? Source { get; init; }
}

/// <summary>The result of the <c>Caption</c>, <c>Ocr</c> and <c>Answer</c> tools.</summary>
public sealed class TextToolResult : PaliGemmaToolResult
{
    /// <summary>Initializes a new instance.</summary>
    public TextToolResult()
    {
    }

    internal TextToolResult(TextResult source, int imageWidth, int imageHeight, bool includeRawText)
        : base(imageWidth, imageHeight, includeRawText ? source.RawText : null)
    {
        Text = source.Text;
    }

    /// <summary>Gets the caption, recognised text or answer (null on failure).</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }
}

/// <summary>
/// What every object in a tool result has, written first and in this order: the label, the box in pixels and the
/// normalised box (<see cref="ToolDetectedObject"/>, <see cref="ToolSegmentedObject"/>, and the Semantic Kernel
/// describe-each-object tool's objects).
/// </summary>
public abstract class ToolObject
{
    /// <summary>Initializes a new instance; the caller sets <see cref="Label"/>, <see cref="Box"/> and <see cref="NormalizedBox"/>.</summary>
    private protected ToolObject()
    {
    }

    /// <summary>Initializes a new instance with its label and boxes.</summary>
    [SetsRequiredMembers]
    private protected ToolObject(string label, ToolBox box, ToolBox normalizedBox)
    {
        Label = label;
        Box = box;
        NormalizedBox = normalizedBox;
    }

    /// <summary>Initializes a new instance from a typed result's label and pixel box (rounded as the tools round them).</summary>
    [SetsRequiredMembers]
    private protected ToolObject(string label, BoundingBox box, int imageWidth, int imageHeight)
        : this(label, ToolResultMapper.Pixels(box), ToolResultMapper.Normalized(box, imageWidth, imageHeight))
    {
    }

    /// <summary>Gets the label the model wrote.</summary>
    [JsonPropertyName("label")]
    [JsonPropertyOrder(-3)]
    public required string Label { get; init; }

    /// <summary>Gets the box in pixels of the original image.</summary>
    [JsonPropertyName("box")]
    [JsonPropertyOrder(-2)]
    public required ToolBox Box { get; init; }

    /// <summary>Gets the box as fractions (0..1) of the image width and height.</summary>
    [JsonPropertyName("normalizedBox")]
    [JsonPropertyOrder(-1)]
    public required ToolBox NormalizedBox { get; init; }
}

/// <summary>A detected object: its label and box.</summary>
public sealed class ToolDetectedObject : ToolObject
{
    /// <summary>Initializes a new instance; set <see cref="ToolObject.Label"/>, <see cref="ToolObject.Box"/> and <see cref="ToolObject.NormalizedBox"/>.</summary>
    public ToolDetectedObject()
    {
    }

    [SetsRequiredMembers]
    internal ToolDetectedObject(DetectedObject source, int imageWidth, int imageHeight)
        : base(source.Label, source.Box, imageWidth, imageHeight)
    {
    }
}

/// <summary>A segmented object: its label, box and mask.</summary>
public sealed class ToolSegmentedObject : ToolObject
{
    /// <summary>Initializes a new instance; set <see cref="ToolObject.Label"/>, <see cref="ToolObject.Box"/> and <see cref="ToolObject.NormalizedBox"/>.</summary>
    public ToolSegmentedObject()
    {
    }

    [SetsRequiredMembers]
    internal ToolSegmentedObject(SegmentedObject source, int imageWidth, int imageHeight)
        : base(source.Label, source.Box, imageWidth, imageHeight)
    {
        Mask = source.Mask is { } mask ? ToolResultMapper.Mask(mask) : null;
    }

    /// <summary>Gets the mask, or null when the model folder has no mask decoder or the model's codes were malformed.</summary>
    [JsonPropertyName("mask")]
    public ToolMask? Mask { get; init; }
}

/// <summary>A box given by its edges (pixels, or fractions of the image size for normalised boxes).</summary>
/// <param name="Left">The left edge.</param>
/// <param name="Top">The top edge.</param>
/// <param name="Right">The right edge.</param>
/// <param name="Bottom">The bottom edge.</param>
public sealed record ToolBox(
    [property: JsonPropertyName("left")] double Left,
    [property: JsonPropertyName("top")] double Top,
    [property: JsonPropertyName("right")] double Right,
    [property: JsonPropertyName("bottom")] double Bottom);

/// <summary>
/// A binary mask as COCO uncompressed RLE over the whole image (column-major; counts alternate background and
/// foreground runs, starting with background), with its foreground area and the pixel box it lies in.
/// </summary>
public sealed class ToolMask
{
    /// <summary>Gets the encoding, always <c>coco_rle</c>.</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = "coco_rle";

    /// <summary>Gets the image size as [height, width], as COCO writes it.</summary>
    [JsonPropertyName("size")]
    public required IReadOnlyList<int> Size { get; init; }

    /// <summary>Gets the run lengths.</summary>
    [JsonPropertyName("counts")]
    public required IReadOnlyList<int> Counts { get; init; }

    /// <summary>Gets the number of foreground pixels.</summary>
    [JsonPropertyName("area")]
    public required int Area { get; init; }

    /// <summary>Gets the pixels the mask may cover (the object's box truncated to whole pixels and clipped to the image).</summary>
    [JsonPropertyName("box")]
    public required ToolBox Box { get; init; }
}
