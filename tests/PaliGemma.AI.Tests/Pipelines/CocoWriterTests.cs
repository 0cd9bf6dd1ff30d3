using System.Text.Json;
using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Pipelines;

public sealed class CocoWriterTests
{
    [Fact]
    public void Boxes_masks_and_categories_round_trip_through_an_independent_RLE_decoder()
    {
        // Left half of the 64×64 logits is foreground: the mask covers the left half of its box.
        float[] logits = new float[64 * 64];
        for (int y = 0; y < 64; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                logits[(y * 64) + x] = x < 32 ? 1f : -1f;
            }
        }

        var mask = SegmentationMask.FromLogits(logits, new BoundingBox(10, 20, 30, 44), 50, 60);
        using var output = new MemoryStream();
        using (var coco = new CocoWriter(output, ["cat", "dog"], leaveOpen: true))
        {
            Assert.Equal(1, coco.AddImage("a.png", 50, 60, [new CocoObject("dog", new BoundingBox(10, 20, 30, 44), mask)]));
            Assert.Equal(2, coco.AddImage("b.png", 40, 30, [new CocoObject("cat", new BoundingBox(-5, 2.5f, 12, 99)), new CocoObject("bird", new BoundingBox(1, 1, 3, 4))]));
            Assert.Equal(3, coco.AddImage("empty.png", 8, 8, []));
        }

        using JsonDocument doc = JsonDocument.Parse(output.ToArray());
        JsonElement root = doc.RootElement;
        Assert.Equal(["a.png", "b.png", "empty.png"], root.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("file_name").GetString()));
        Assert.Equal([60, 30, 8], root.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("height").GetInt32()));
        var categories = root.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetInt32(), c => c.GetProperty("name").GetString());
        Assert.Equal(new Dictionary<int, string?> { [1] = "cat", [2] = "dog", [3] = "bird" }, categories);

        JsonElement[] annotations = [.. root.GetProperty("annotations").EnumerateArray()];
        Assert.Equal([1, 2, 3], annotations.Select(a => a.GetProperty("id").GetInt32()));
        Assert.Equal([1, 2, 2], annotations.Select(a => a.GetProperty("image_id").GetInt32()));
        Assert.Equal([2, 1, 3], annotations.Select(a => a.GetProperty("category_id").GetInt32()));
        Assert.Equal([10f, 20f, 20f, 24f], Bbox(annotations[0]));
        Assert.Equal([0f, 2.5f, 12f, 27.5f], Bbox(annotations[1])); // clipped to the 40×30 image
        Assert.Equal(12 * 27.5, annotations[1].GetProperty("area").GetDouble(), 3);
        Assert.False(annotations[1].TryGetProperty("segmentation", out _));

        JsonElement segmentation = annotations[0].GetProperty("segmentation");
        Assert.Equal([60, 50], segmentation.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
        bool[,] decoded = DecodeRle(segmentation, out int h, out int w);
        int area = 0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                Assert.Equal(mask.Contains(x, y), decoded[y, x]);
                area += decoded[y, x] ? 1 : 0;
            }
        }

        // The left half of the 20-pixel-wide box, over the box's 24 rows.
        Assert.Equal(10 * 24, area);
        Assert.True(decoded[20, 10] && decoded[43, 19] && !decoded[20, 20] && !decoded[19, 10]);
        Assert.Equal(area, annotations[0].GetProperty("area").GetDouble());
    }

    [Fact]
    public void An_empty_export_is_still_a_valid_COCO_document()
    {
        using var output = new MemoryStream();
        new CocoWriter(output, ["x"], leaveOpen: true).Dispose();

        using JsonDocument doc = JsonDocument.Parse(output.ToArray());
        Assert.Equal(0, doc.RootElement.GetProperty("images").GetArrayLength());
        Assert.Equal(0, doc.RootElement.GetProperty("annotations").GetArrayLength());
        Assert.Equal("x", doc.RootElement.GetProperty("categories")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void A_given_RLE_is_written_with_its_foreground_area_and_a_wrong_sized_one_is_dropped()
    {
        using var output = new MemoryStream();
        using (var coco = new CocoWriter(output, ["a"], leaveOpen: true))
        {
            var box = new BoundingBox(0, 0, 2, 2);
            coco.AddImage("a.png", 2, 3, [new CocoObject("a", box) { Rle = new CocoRle([3, 2], [1, 2, 3]) }, new CocoObject("a", box) { Rle = new CocoRle([3, 2], [1, 2]) }]);
        }

        using JsonDocument doc = JsonDocument.Parse(output.ToArray());
        JsonElement[] annotations = [.. doc.RootElement.GetProperty("annotations").EnumerateArray()];
        Assert.Equal(2, annotations[0].GetProperty("area").GetDouble());
        bool[,] decoded = DecodeRle(annotations[0].GetProperty("segmentation"), out _, out _);
        Assert.True(decoded[1, 0] && decoded[2, 0] && !decoded[0, 0] && !decoded[0, 1]);
        Assert.False(annotations[1].TryGetProperty("segmentation", out _));
        Assert.Equal(4, annotations[1].GetProperty("area").GetDouble());
    }

    [Fact]
    public void Labels_not_asked_for_can_be_left_out()
    {
        using var output = new MemoryStream();
        int skipped;
        using (var coco = new CocoWriter(output, ["cat"], leaveOpen: true) { AddUnknownLabels = false })
        {
            var box = new BoundingBox(0, 0, 1, 1);
            coco.AddImage("a.png", 4, 4, [new CocoObject("cat", box), new CocoObject("cat and a", box), new CocoObject("", box), new CocoObject("cat", box)]);
            skipped = coco.SkippedObjectCount;
        }

        using JsonDocument doc = JsonDocument.Parse(output.ToArray());
        Assert.Equal(2, skipped);
        Assert.Equal([1, 2], doc.RootElement.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("id").GetInt32()));
        Assert.Equal(1, doc.RootElement.GetProperty("categories").GetArrayLength());
    }

    [Fact]
    public void Adding_after_completion_throws()
    {
        using var output = new MemoryStream();
        using var coco = new CocoWriter(output, [], leaveOpen: true);
        coco.Complete();

        Assert.Throws<InvalidOperationException>(() => coco.AddImage("a.png", 1, 1, []));
    }

    private static float[] Bbox(JsonElement annotation) => [.. annotation.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle())];

    /// <summary>Decodes COCO's uncompressed RLE (column-major runs, background first), written here independently of the library.</summary>
    internal static bool[,] DecodeRle(JsonElement rle, out int height, out int width)
    {
        int[] size = [.. rle.GetProperty("size").EnumerateArray().Select(v => v.GetInt32())];
        (height, width) = (size[0], size[1]);
        var mask = new bool[height, width];
        int position = 0;
        bool value = false;
        foreach (JsonElement count in rle.GetProperty("counts").EnumerateArray())
        {
            for (int k = 0; k < count.GetInt32(); k++, position++)
            {
                mask[position % height, position / height] = value;
            }

            value = !value;
        }

        Assert.Equal(height * width, position);
        return mask;
    }
}
