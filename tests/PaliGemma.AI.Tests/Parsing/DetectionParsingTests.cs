using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Parsing;

public sealed class DetectionParsingTests
{
    private const string CatBox = "<loc0256><loc0512><loc0768><loc1023>";

    [Fact]
    public void Coordinates_are_bins_over_1024_times_image_size()
    {
        var result = Assert.Single(PaliGemmaOutputParser.ParseDetections(CatBox + " cat", 640, 480));
        Assert.Equal("cat", result.Label);
        Assert.Equal(320f, result.Box.Left);
        Assert.Equal(120f, result.Box.Top);
        Assert.Equal(639.375f, result.Box.Right);
        Assert.Equal(360f, result.Box.Bottom);
    }

    [Fact]
    public void Coordinates_are_not_rounded()
    {
        // y1=100, x1=200, y2=300, x2=400 on 1000x500: 200/1024*1000 = 195.3125, 100/1024*500 = 48.828125,
        // 400/1024*1000 = 390.625, 300/1024*500 = 146.484375.
        var box = Assert.Single(PaliGemmaOutputParser.ParseDetections("<loc0100><loc0200><loc0300><loc0400> x", 1000, 500)).Box;
        Assert.Equal(new BoundingBox(195.3125f, 48.828125f, 390.625f, 146.484375f), box);
    }

    [Fact]
    public void Full_range_box_stays_inside_the_image()
    {
        var box = Assert.Single(PaliGemmaOutputParser.ParseDetections("<loc0000><loc0000><loc1023><loc1023> all", 1024, 2048)).Box;
        Assert.Equal(new BoundingBox(0f, 0f, 1023f, 2046f), box);
    }

    [Fact]
    public void Several_objects_separated_by_spaced_semicolons()
    {
        var text = "<loc0000><loc0000><loc0512><loc0512> cat ; <loc0512><loc0512><loc1023><loc1023> dog";
        var results = PaliGemmaOutputParser.ParseDetections(text, 1024, 1024);
        Assert.Equal(2, results.Count);
        Assert.Equal(new DetectedObject("cat", new BoundingBox(0, 0, 512, 512)), results[0]);
        Assert.Equal(new DetectedObject("dog", new BoundingBox(512, 512, 1023, 1023)), results[1]);
    }

    [Fact]
    public void Multi_word_labels_are_kept_whole()
    {
        var text = CatBox + " traffic light ; " + CatBox + " red double-decker bus";
        var labels = PaliGemmaOutputParser.ParseDetections(text, 640, 480).Select(o => o.Label);
        Assert.Equal(["traffic light", "red double-decker bus"], labels);
    }

    [Fact]
    public void Leading_newline_and_text_before_the_first_object_are_ignored()
    {
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections("\n" + CatBox + " cat", 640, 480)).Label);
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections("Here you go: " + CatBox + " cat", 640, 480)).Label);
    }

    [Fact]
    public void Trailing_eos_and_text_after_a_line_break_are_not_part_of_the_label()
    {
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections(CatBox + " cat<eos>", 640, 480)).Label);
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections(CatBox + " cat\nThat is all.", 640, 480)).Label);
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections(CatBox + " cat ; and nothing else", 640, 480)).Label);
    }

    [Fact]
    public void Separators_without_spaces_and_missing_separators_still_split_objects()
    {
        var text = CatBox + "cat;" + CatBox + "dog" + CatBox + "bird";
        var labels = PaliGemmaOutputParser.ParseDetections(text, 640, 480).Select(o => o.Label);
        Assert.Equal(["cat", "dog", "bird"], labels);
    }

    [Fact]
    public void Empty_label_is_kept_as_empty_string()
    {
        var results = PaliGemmaOutputParser.ParseDetections(CatBox + " ; " + CatBox, 640, 480);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(string.Empty, r.Label));
    }

    [Fact]
    public void Unicode_labels_survive()
    {
        var text = CatBox + " 狗 ; " + CatBox + " chat noir 🐈 ; " + CatBox + " café";
        var labels = PaliGemmaOutputParser.ParseDetections(text, 640, 480).Select(o => o.Label);
        Assert.Equal(["狗", "chat noir 🐈", "café"], labels);
    }

    [Fact]
    public void Group_with_three_locations_is_dropped_and_the_next_kept()
    {
        var text = "<loc0100><loc0100><loc0200> broken ; " + CatBox + " cat";
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections(text, 640, 480)).Label);
    }

    [Fact]
    public void Group_with_five_locations_is_dropped()
    {
        var text = "<loc0100><loc0100><loc0200><loc0200><loc0300> broken ; " + CatBox + " cat";
        Assert.Equal("cat", Assert.Single(PaliGemmaOutputParser.ParseDetections(text, 640, 480)).Label);
    }

    [Theory]
    [InlineData("<loc0100><loc0100><loc0200><loc1024> a")]
    [InlineData("<loc1024><loc0100><loc0200><loc0300> a")]
    [InlineData("<loc0100><loc0100><loc0200><loc12> a")]
    [InlineData("<loc0100><loc0100><loc0200><loc00300> a")]
    [InlineData("<loc0100><loc0100><loc0200><loc-300> a")]
    [InlineData("<loc0100><loc0100><loc0200><locABCD> a")]
    [InlineData("<loc0100><loc0100><loc0200><loc９９９> a")]
    [InlineData("<loc0100><loc0100><loc0200><LOC0300> a")]
    [InlineData("<loc0100><loc0100><loc0200> <loc0300> a")]
    [InlineData("<loc0100><loc0100><loc0200><loc0300 a")]
    public void Malformed_location_token_drops_the_group(string text) =>
        Assert.Empty(PaliGemmaOutputParser.ParseDetections(text, 640, 480));

    [Theory]
    [InlineData("<loc0100><loc0500><loc0200><loc0500> zero width")]
    [InlineData("<loc0100><loc0500><loc0200><loc0400> negative width")]
    [InlineData("<loc0300><loc0100><loc0300><loc0200> zero height")]
    [InlineData("<loc0300><loc0100><loc0200><loc0200> negative height")]
    public void Degenerate_boxes_are_dropped(string text) =>
        Assert.Empty(PaliGemmaOutputParser.ParseDetections(text, 640, 480));

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("no objects here")]
    [InlineData("<eos>")]
    [InlineData(";;; ; <<>>")]
    public void Text_without_objects_gives_empty_list(string text) =>
        Assert.Empty(PaliGemmaOutputParser.ParseDetections(text, 640, 480));

    [Fact]
    public void Segmentation_output_is_read_as_detections()
    {
        var segs = string.Concat(Enumerable.Range(0, 16).Select(i => $"<seg{i:000}>"));
        var result = Assert.Single(PaliGemmaOutputParser.ParseDetections(CatBox + segs + " cat", 640, 480));
        Assert.Equal(new DetectedObject("cat", new BoundingBox(320, 120, 639.375f, 360)), result);
    }

    [Fact]
    public void Null_text_throws_argument_null()
    {
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => PaliGemmaOutputParser.ParseDetections(null!, 1, 1)).ParamName);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => PaliGemmaOutputParser.ParseSegments(null!, 1, 1)).ParamName);
    }

    [Theory]
    [InlineData(0, 10, "imageWidth")]
    [InlineData(-5, 10, "imageWidth")]
    [InlineData(10, 0, "imageHeight")]
    [InlineData(10, int.MinValue, "imageHeight")]
    public void Non_positive_image_size_throws(int width, int height, string param)
    {
        Assert.Equal(param, Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaOutputParser.ParseDetections(CatBox, width, height)).ParamName);
        Assert.Equal(param, Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaOutputParser.ParseSegments(CatBox, width, height)).ParamName);
    }

    [Fact]
    public void Huge_numbers_in_the_text_do_not_cause_allocations()
    {
        var text = "<loc" + new string('9', 200_000) + "> <seg" + new string('9', 200_000) + ">" + CatBox + " cat";
        Assert.Single(PaliGemmaOutputParser.ParseDetections(text, 640, 480)); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var results = PaliGemmaOutputParser.ParseDetections(text, 640, 480);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Single(results);
        Assert.True(allocated < 4096, $"Allocated {allocated} bytes.");
    }

    [Theory]
    [InlineData("<", 1_000_000)]
    [InlineData("<loc", 300_000)]
    [InlineData("<loc0001>", 200_000)]
    [InlineData("<loc0001><loc0001><loc0002><loc0002>", 50_000)]
    [InlineData("<loc0001><loc0001><loc0002><loc0002> a ; ", 50_000)]
    [InlineData("<seg001>", 200_000)]
    public void Long_repetitive_inputs_finish(string unit, int count)
    {
        var text = string.Concat(Enumerable.Repeat(unit, count));
        var detections = PaliGemmaOutputParser.ParseDetections(text, 100, 100);
        var segments = PaliGemmaOutputParser.ParseSegments(text, 100, 100);
        Assert.Empty(segments);
        // Boxes written back to back without labels form one long run of locations, which is malformed;
        // only the labelled, separated boxes yield objects.
        Assert.Equal(unit.EndsWith(" ; ", StringComparison.Ordinal) ? count : 0, detections.Count);
    }
}
