using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>Intersection over union of two pixel boxes (continuous coordinates; right and bottom edges exclusive).</summary>
internal static class BoxIoU
{
    /// <summary>Returns |a ∩ b| / |a ∪ b|, or 0 when the union is empty.</summary>
    public static double Compute(BoundingBox a, BoundingBox b)
    {
        double width = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left);
        double height = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
        double intersection = width > 0 && height > 0 ? width * height : 0;
        double union = Area(a) + Area(b) - intersection;
        return union > 0 ? intersection / union : 0;
    }

    private static double Area(BoundingBox box)
    {
        double width = (double)box.Right - box.Left, height = (double)box.Bottom - box.Top;
        return width > 0 && height > 0 ? width * height : 0;
    }
}
