using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Parsing;

public sealed class SegmentationParsingTests
{
    private const string Box = "<loc0256><loc0512><loc0768><loc1023>";

    private static string Segs(params int[] codes) => string.Concat(codes.Select(c => $"<seg{c:000}>"));

    private static readonly int[] Codes = [0, 127, 5, 64, 3, 99, 100, 1, 2, 77, 12, 13, 14, 120, 50, 8];

    [Fact]
    public void Parses_box_mask_codes_and_label()
    {
        var result = Assert.Single(PaliGemmaOutputParser.ParseSegments(Box + Segs(Codes) + " cat", 640, 480));
        Assert.Equal("cat", result.Label);
        Assert.Equal(new BoundingBox(320, 120, 639.375f, 360), result.Box);
        Assert.Equal(Codes, result.MaskTokens);
    }

    [Fact]
    public void Parses_several_objects_with_leading_newline_and_trailing_eos()
    {
        var second = "<loc0000><loc0000><loc0512><loc0256>";
        var text = "\n" + Box + Segs(Codes) + " black cat ; " + second + Segs([.. Enumerable.Repeat(7, 16)]) + " dog<eos>";
        var results = PaliGemmaOutputParser.ParseSegments(text, 1024, 1024);
        Assert.Equal(2, results.Count);
        Assert.Equal("black cat", results[0].Label);
        Assert.Equal(new BoundingBox(512, 256, 1023, 768), results[0].Box);
        Assert.Equal("dog", results[1].Label);
        Assert.Equal(new BoundingBox(0, 0, 256, 512), results[1].Box);
        Assert.All(results[1].MaskTokens, c => Assert.Equal(7, c));
    }

    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(0)]
    [InlineData(32)]
    public void Wrong_number_of_mask_tokens_drops_the_object(int count)
    {
        var text = Box + Segs([.. Enumerable.Repeat(1, count)]) + " broken ; " + Box + Segs(Codes) + " ok";
        Assert.Equal("ok", Assert.Single(PaliGemmaOutputParser.ParseSegments(text, 640, 480)).Label);
    }

    [Theory]
    [InlineData("<seg128>")]
    [InlineData("<seg12>")]
    [InlineData("<seg0001>")]
    [InlineData("<seg 12>")]
    [InlineData("<loc0012>")]
    public void Malformed_mask_token_drops_the_object(string bad)
    {
        var text = Box + Segs(Codes[..15]) + bad + " cat";
        Assert.Empty(PaliGemmaOutputParser.ParseSegments(text, 640, 480));
    }

    [Fact]
    public void Detection_output_has_no_segments() =>
        Assert.Empty(PaliGemmaOutputParser.ParseSegments(Box + " cat ; " + Box + " dog", 640, 480));

    [Fact]
    public void Detections_with_wrong_mask_count_are_dropped_too() =>
        Assert.Empty(PaliGemmaOutputParser.ParseDetections(Box + Segs(Codes[..15]) + " cat", 640, 480));

    [Fact]
    public void Degenerate_box_drops_the_segment() =>
        Assert.Empty(PaliGemmaOutputParser.ParseSegments("<loc0100><loc0100><loc0100><loc0200>" + Segs(Codes) + " cat", 640, 480));

    [Fact]
    public void Mask_tokens_are_read_only()
    {
        var result = Assert.Single(PaliGemmaOutputParser.ParseSegments(Box + Segs(Codes) + " cat", 640, 480));
        Assert.False(result.MaskTokens is int[]);
        Assert.Equal(PaliGemmaOutputParser.MaskTokenCount, result.MaskTokens.Count);
    }
}
