using System.Text.Json;
using Microsoft.Extensions.AI;
using PaliGemma.AI.Tests.Chat;

namespace PaliGemma.AI.Tests.Tools;

/// <summary>
/// Pins the JSON the vision tools hand to agents (Semantic Kernel, AI functions, MCP): property names, their order,
/// the rounding of boxes and the omitted nulls. The expected strings are written out by hand, not produced by the
/// code under test. The typed results come from a stub vision service, so no model is needed.
/// </summary>
public sealed class ToolResultJsonTests
{
    // 320×240 image; the detected box's left edge 20.126f is 20.1259994… as a double: 20.13 in pixels, 0.0629 normalised.
    private static readonly DetectionResult Detection = new(
        [new DetectedObject("car", new BoundingBox(20.126f, 120f, 125f, 180f)), new DetectedObject("tree", new BoundingBox(0f, 0f, 320f, 240f))],
        "<loc0512><loc0064><loc0768><loc0533> car ; <loc0000><loc0000><loc1023><loc1023> tree",
        320,
        240);

    private static readonly DataContent Image = new(new byte[] { 1, 2, 3 }, "image/png");

    [Fact]
    public async Task Detect_writes_image_size_objects_with_label_box_and_normalised_box_then_raw_text()
    {
        var tools = new PaliGemmaVisionTools(new StubVision { Detection = Detection });

        DetectToolResult result = await tools.DetectAsync(Image, "car, tree");

        const string expected =
            """{"imageWidth":320,"imageHeight":240,"objects":[""" +
            """{"label":"car","box":{"left":20.13,"top":120,"right":125,"bottom":180},"normalizedBox":{"left":0.0629,"top":0.5,"right":0.3906,"bottom":0.75}},""" +
            """{"label":"tree","box":{"left":0,"top":0,"right":320,"bottom":240},"normalizedBox":{"left":0,"top":0,"right":1,"bottom":1}}]""" +
            ""","rawText":"\u003Cloc0512\u003E\u003Cloc0064\u003E\u003Cloc0768\u003E\u003Cloc0533\u003E car ; \u003Cloc0000\u003E\u003Cloc0000\u003E\u003Cloc1023\u003E\u003Cloc1023\u003E tree"}""";
        Assert.Equal(expected, JsonSerializer.Serialize(result, PaliGemmaToolJsonContext.Default.DetectToolResult));
        Assert.Equal(expected, JsonSerializer.Serialize(result, PaliGemmaToolJsonContext.ToolSerializerOptions));
    }

    [Fact]
    public async Task Segment_writes_each_object_with_its_mask_after_the_boxes_and_omits_a_missing_mask()
    {
        // 8×4 image; logits all positive, so the mask fills the box truncated to whole pixels: columns 2..5, rows 1..2.
        float[] logits = [.. Enumerable.Repeat(1f, 64 * 64)];
        var box = new BoundingBox(2.5f, 1.25f, 6f, 3f);
        var withMask = new SegmentedObject("cat", box, [.. Enumerable.Range(0, 16)]) { Mask = SegmentationMask.FromLogits(logits, box, 8, 4) };
        var withoutMask = new SegmentedObject("dog", new BoundingBox(0f, 0f, 4f, 2f), [.. Enumerable.Range(0, 16)]);
        var segmentation = new SegmentationResult([withMask, withoutMask], "raw", 8, 4);
        var tools = new PaliGemmaVisionTools(new StubVision { Segmentation = segmentation });

        SegmentToolResult result = await tools.SegmentAsync(Image, "cat, dog");

        // Column-major runs over 8×4: columns 0-1 and row 0 of column 2 are background (9), then per column 2..5 two
        // foreground rows separated by two background pixels, then row 3 of column 5 and columns 6-7 (9).
        const string expected =
            """{"imageWidth":8,"imageHeight":4,"objects":[""" +
            """{"label":"cat","box":{"left":2.5,"top":1.25,"right":6,"bottom":3},"normalizedBox":{"left":0.3125,"top":0.3125,"right":0.75,"bottom":0.75}""" +
            ""","mask":{"format":"coco_rle","size":[4,8],"counts":[9,2,2,2,2,2,2,2,9],"area":8,"box":{"left":2,"top":1,"right":6,"bottom":3}}},""" +
            """{"label":"dog","box":{"left":0,"top":0,"right":4,"bottom":2},"normalizedBox":{"left":0,"top":0,"right":0.5,"bottom":0.5}}]""" +
            ""","rawText":"raw"}""";
        Assert.Equal(expected, JsonSerializer.Serialize(result, PaliGemmaToolJsonContext.Default.SegmentToolResult));
        Assert.Equal(expected, JsonSerializer.Serialize(result, PaliGemmaToolJsonContext.ToolSerializerOptions));
    }

    [Fact]
    public async Task Caption_writes_image_size_text_then_raw_text_and_no_raw_text_when_turned_off()
    {
        var png = new DataContent(TestImages.Png(width: 40, height: 30), "image/png");
        var vision = new StubVision { Text = new TextResult("a red square", "caption en\na red square") };

        TextToolResult withRaw = await new PaliGemmaVisionTools(vision).CaptionAsync(png, null);
        TextToolResult withoutRaw = await new PaliGemmaVisionTools(vision, options: new PaliGemmaToolOptions { IncludeRawText = false }).CaptionAsync(png, null);

        Assert.Equal(
            """{"imageWidth":40,"imageHeight":30,"text":"a red square","rawText":"caption en\na red square"}""",
            JsonSerializer.Serialize(withRaw, PaliGemmaToolJsonContext.Default.TextToolResult));
        Assert.Equal(
            """{"imageWidth":40,"imageHeight":30,"text":"a red square"}""",
            JsonSerializer.Serialize(withoutRaw, PaliGemmaToolJsonContext.ToolSerializerOptions));
    }

    [Fact]
    public async Task A_failure_writes_only_error_and_code()
    {
        var tools = new PaliGemmaVisionTools(new StubVision { Failure = new ArgumentException("The label 'x<' holds a '<'.") });

        DetectToolResult result = await tools.DetectAsync(Image, "x<");

        Assert.Equal(
            """{"error":"The label \u0027x\u003C\u0027 holds a \u0027\u003C\u0027.","code":"invalid_argument"}""",
            JsonSerializer.Serialize(result, PaliGemmaToolJsonContext.Default.DetectToolResult));
    }

    [Fact]
    public void Objects_built_by_a_host_serialise_in_the_same_order()
    {
        var detected = new ToolDetectedObject { Label = "a", Box = new ToolBox(1, 2, 3, 4), NormalizedBox = new ToolBox(0.1, 0.2, 0.3, 0.4) };
        var segmented = new ToolSegmentedObject { Label = "b", Box = new ToolBox(1, 2, 3, 4), NormalizedBox = new ToolBox(0.1, 0.2, 0.3, 0.4) };
        var result = new SegmentToolResult { ImageWidth = 10, ImageHeight = 10, Objects = [segmented] };

        Assert.Equal(
            """{"label":"a","box":{"left":1,"top":2,"right":3,"bottom":4},"normalizedBox":{"left":0.1,"top":0.2,"right":0.3,"bottom":0.4}}""",
            JsonSerializer.Serialize(detected, PaliGemmaToolJsonContext.ToolSerializerOptions));
        Assert.Equal(
            """{"imageWidth":10,"imageHeight":10,"objects":[{"label":"b","box":{"left":1,"top":2,"right":3,"bottom":4},"normalizedBox":{"left":0.1,"top":0.2,"right":0.3,"bottom":0.4}}]}""",
            JsonSerializer.Serialize(result, PaliGemmaToolJsonContext.Default.SegmentToolResult));
    }

    private sealed class StubVision : IPaliGemmaVision
    {
        public DetectionResult? Detection { get; init; }

        public SegmentationResult? Segmentation { get; init; }

        public TextResult? Text { get; init; }

        public Exception? Failure { get; init; }

        public Task<DetectionResult> DetectAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
            Failure is not null ? Task.FromException<DetectionResult>(Failure) : Task.FromResult(Detection ?? throw new InvalidOperationException("No detection set."));

        public Task<SegmentationResult> SegmentAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default) =>
            Failure is not null ? Task.FromException<SegmentationResult>(Failure) : Task.FromResult(Segmentation ?? throw new InvalidOperationException("No segmentation set."));

        public Task<TextResult> CaptionAsync(DataContent image, string language = "en", CancellationToken cancellationToken = default) =>
            Task.FromResult(Text ?? throw new InvalidOperationException("No text set."));

        public Task<TextResult> OcrAsync(DataContent image, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<TextResult> AnswerAsync(DataContent image, string question, string language = "en", CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
