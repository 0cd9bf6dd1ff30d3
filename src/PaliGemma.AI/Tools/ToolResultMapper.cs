using System.Text.RegularExpressions;

namespace PaliGemma.AI;

/// <summary>Maps typed PaliGemma results and failures to the tool result shapes.</summary>
internal static partial class ToolResultMapper
{
    public static ToolBox Pixels(BoundingBox box) =>
        new(Round(box.Left, 2), Round(box.Top, 2), Round(box.Right, 2), Round(box.Bottom, 2));

    public static ToolBox Normalized(BoundingBox box, int width, int height) =>
        new(Round(box.Left / (double)width, 4), Round(box.Top / (double)height, 4), Round(box.Right / (double)width, 4), Round(box.Bottom / (double)height, 4));

    public static ToolMask Mask(SegmentationMask mask)
    {
        CocoRle rle = mask.ToCocoRle();
        var r = mask.PixelBounds;
        return new ToolMask
        {
            Size = rle.Size,
            Counts = rle.Counts,
            Area = mask.Area,
            Box = new ToolBox(r.Left, r.Top, r.Right, r.Bottom),
        };
    }

    /// <summary>
    /// The code and LLM-facing message of a failure. Messages never carry absolute paths (they are replaced by
    /// <c>&lt;path&gt;</c>), and model failures carry only the exception type: the details go to the host's logs.
    /// </summary>
    public static (string Code, string Message) Describe(Exception ex)
    {
        (string code, string message) = ex switch
        {
            ImageReferenceException e => (e.Code, e.Message),
            PaliGemmaImageException e => (PaliGemmaToolErrorCodes.InvalidImage, $"The image cannot be used: {e.Message}"),
            PaliGemmaQueueFullException => (PaliGemmaToolErrorCodes.Busy, "The vision model is busy (its request queue is full); try again shortly."),
            ArgumentException e => (PaliGemmaToolErrorCodes.InvalidArgument, e.Message),
            _ => (PaliGemmaToolErrorCodes.ModelError, $"The vision model failed ({ex.GetType().Name}); the host's logs have the details."),
        };
        return (code, WithoutAbsolutePaths(message));
    }

    /// <summary>Replaces absolute file-system paths (Unix or Windows) in a message by <c>&lt;path&gt;</c>.</summary>
    internal static string WithoutAbsolutePaths(string message) => AbsolutePath().Replace(message, "<path>");

    [GeneratedRegex(@"(?<![\w:/.\-])(?:/(?:[^\s'""/<>|]+/)*[^\s'""/<>|,;]+|[A-Za-z]:\\[^\s'""<>|]*|\\\\[^\s'""<>|]+)", RegexOptions.CultureInvariant)]
    private static partial Regex AbsolutePath();

    private static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : 0;
}
