namespace PaliGemma.AI;

/// <summary>
/// A binary mask in COCO's uncompressed run-length encoding (as pycocotools' <c>{"size": [h, w], "counts": [...]}</c>):
/// the image is read column by column (column-major, x outer, y inner), and <see cref="Counts"/> alternates run
/// lengths of background and foreground, always starting with background (so the first count may be 0).
/// The counts add up to height × width.
/// </summary>
/// <param name="Size">The image size as [height, width].</param>
/// <param name="Counts">The run lengths, starting with background.</param>
public sealed record CocoRle(IReadOnlyList<int> Size, IReadOnlyList<int> Counts)
{
    internal static CocoRle Encode(SegmentationMask mask)
    {
        int w = mask.ImageWidth, h = mask.ImageHeight;
        var counts = new List<int>();
        bool current = false;
        int run = 0;
        var r = mask.PixelBounds;
        for (int x = 0; x < w; x++)
        {
            bool columnHasMask = x >= r.Left && x < r.Right;
            for (int y = 0; y < h; y++)
            {
                bool value = columnHasMask && mask.Contains(x, y);
                if (value != current)
                {
                    counts.Add(run);
                    current = value;
                    run = 0;
                }

                run++;
            }
        }

        counts.Add(run);
        return new CocoRle([h, w], counts.AsReadOnly());
    }
}
