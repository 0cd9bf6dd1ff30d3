namespace PaliGemma.AI.Tests.Segmentation;

public sealed class SegmentationAttachTests
{
    [Fact]
    public void Attaches_masks_and_leaves_malformed_objects_without_one()
    {
        using MaskDecoder decoder = MaskDecoder.Load(SegmentationFixtures.DecoderPath);
        int[][] codes = SegmentationFixtures.Codes();
        var box = new BoundingBox(10, 20, 90, 70);
        SegmentedObject[] objects =
        [
            new("cat", box, codes[4]),
            new("too few", box, codes[4].Take(15).ToArray()),
            new("too many", box, codes[4].Append(1).ToArray()),
            new("out of range", box, codes[4].Select((c, i) => i == 3 ? 128 : c).ToArray()),
            new("negative", box, codes[4].Select((c, i) => i == 0 ? -1 : c).ToArray()),
            new("nan box", new BoundingBox(float.NaN, 0, 5, 5), codes[4]),
            new("dog", new BoundingBox(0, 0, 100, 100), codes[5]),
        ];

        IReadOnlyList<SegmentedObject> result = SegmentationMasks.Attach(objects, decoder, 100, 100);

        Assert.Equal(objects.Select(o => o.Label), result.Select(o => o.Label));
        Assert.Equal(objects.Select(o => o.Box), result.Select(o => o.Box));
        Assert.All(result.Skip(1).Take(5), o => Assert.Null(o.Mask));
        SegmentationMask cat = Assert.IsType<SegmentationMask>(result[0].Mask);
        var expected = SegmentationMask.FromLogits(SegmentationFixtures.Logits(4), box, 100, 100);
        Assert.Equal(expected.Area, cat.Area);
        Assert.Equal(expected.ToCocoRle().Counts, cat.ToCocoRle().Counts);
        Assert.True(cat.Area > 0);
        Assert.NotNull(result[6].Mask);
    }

    [Fact]
    public void Parsed_segment_output_gets_a_mask_and_garbage_gets_none()
    {
        using MaskDecoder decoder = MaskDecoder.Load(SegmentationFixtures.DecoderPath);
        int[] codes = SegmentationFixtures.Codes()[2];
        string text = "<loc0100><loc0200><loc0800><loc0900>" + string.Concat(codes.Select(c => $"<seg{c:000}>")) + " cat";
        IReadOnlyList<SegmentedObject> parsed = PaliGemmaOutputParser.ParseSegments(text, 640, 480);
        IReadOnlyList<SegmentedObject> result = SegmentationMasks.Attach(parsed, decoder, 640, 480);
        SegmentationMask mask = Assert.IsType<SegmentationMask>(Assert.Single(result).Mask);
        Assert.Equal(640, mask.ImageWidth);
        Assert.Equal(480, mask.ImageHeight);
        Assert.True(mask.Area > 0);

        string garbage = "<loc0100><loc0200><loc0800><loc0900><seg001><seg999> cat ; <seg128>";
        IReadOnlyList<SegmentedObject> none = SegmentationMasks.Attach(PaliGemmaOutputParser.ParseSegments(garbage, 640, 480), decoder, 640, 480);
        Assert.All(none, o => Assert.Null(o.Mask));
    }

    [Fact]
    public void Objects_without_attach_have_no_mask()
    {
        var item = new SegmentedObject("x", new BoundingBox(0, 0, 1, 1), new int[16]);
        Assert.Null(item.Mask);
    }
}

public sealed class SegmentationJsonTests
{
    [Fact]
    public void Segmented_object_serializes_its_mask_as_rle()
    {
        var mask = SegmentationMask.FromLogits(Enumerable.Repeat(1f, 4096).ToArray(), new BoundingBox(0, 0, 2, 3), 4, 5);
        var item = new SegmentedObject("cat", new BoundingBox(0, 0, 2, 3), new int[16]) { Mask = mask };
        string json = System.Text.Json.JsonSerializer.Serialize(item);
        Assert.Contains("\"Mask\":{\"imageWidth\":4,\"imageHeight\":5,\"area\":6,\"rle\":{\"size\":[5,4],\"counts\":[0,3,2,3,12]}}", json, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => System.Text.Json.JsonSerializer.Deserialize<SegmentationMask>("{}"));
    }
}
