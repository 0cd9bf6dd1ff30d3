using System.Text.Json;
using ModelContextProtocol.Protocol;
using PaliGemma.AI;
using PaliGemma.AspNetCore;
using PaliGemma.SemanticKernel.Tests.Agents;
using PaliGemma.SemanticKernel.Tests.TestModels;
using SkiaSharp;

namespace PaliGemma.SemanticKernel.Tests.Mcp;

/// <summary>The MCP tool class with known model answers: structured content, text and the annotated image block.</summary>
public class McpToolsInProcessTests : IClassFixture<AgentModelFixture>
{
    private readonly PaliGemmaMcpTools _tools;
    private readonly string _uri = "data:image/png;base64," + Convert.ToBase64String(AgentModelFixture.SceneBytes);

    public McpToolsInProcessTests(AgentModelFixture fixture) =>
        _tools = new PaliGemmaMcpTools(new PaliGemmaVisionTools(new PaliGemmaVision(new FakePaliGemmaServer()), null, new PaliGemmaToolOptions { MaskDecoder = fixture.MaskDecoder }));

    [Fact]
    public async Task Detect_returns_json_text_and_an_annotated_png_of_the_image_size()
    {
        CallToolResult result = await _tools.DetectAsync(_uri, "car", CancellationToken.None);

        Assert.NotEqual(true, result.IsError);
        JsonElement json = result.StructuredContent!.Value;
        JsonElement car = Assert.Single(json.GetProperty("objects").EnumerateArray());
        Assert.Equal(20, car.GetProperty("box").GetProperty("left").GetDouble());
        Assert.Equal(180, car.GetProperty("box").GetProperty("bottom").GetDouble());
        Assert.Equal(2, result.Content.Count);
        Assert.Equal(json.GetRawText(), Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        ImageContentBlock image = Assert.IsType<ImageContentBlock>(result.Content[1]);
        Assert.Equal("image/png", image.MimeType);
        using SKBitmap bitmap = SKBitmap.Decode(image.DecodedData.ToArray());
        Assert.Equal(320, bitmap.Width);
        Assert.Equal(240, bitmap.Height);

        // The box outline is drawn on the car's left edge; the sky far from any box is unchanged.
        using SKBitmap original = SKBitmap.Decode(AgentModelFixture.SceneBytes);
        Assert.NotEqual(original.GetPixel(20, 150), bitmap.GetPixel(20, 150));
        Assert.Equal(original.GetPixel(5, 5), bitmap.GetPixel(5, 5));
    }

    [Fact]
    public async Task Segment_returns_masks_and_an_image_block()
    {
        CallToolResult result = await _tools.SegmentAsync(_uri, "car", CancellationToken.None);

        JsonElement car = Assert.Single(result.StructuredContent!.Value.GetProperty("objects").EnumerateArray());
        Assert.Equal("coco_rle", car.GetProperty("mask").GetProperty("format").GetString());
        Assert.IsType<ImageContentBlock>(result.Content[1]);
    }

    [Fact]
    public async Task Text_tools_and_failures_carry_no_image()
    {
        CallToolResult caption = await _tools.CaptionAsync(_uri);
        CallToolResult refused = await _tools.DetectAsync("img_0123", "car", CancellationToken.None);
        CallToolResult badLabel = await _tools.DetectAsync(_uri, "car\ncaption en", CancellationToken.None);

        Assert.Equal("a red car on a road", caption.StructuredContent!.Value.GetProperty("text").GetString());
        Assert.Single(caption.Content);
        Assert.True(refused.IsError);
        Assert.Equal("image_not_found", refused.StructuredContent!.Value.GetProperty("code").GetString());
        Assert.Single(refused.Content);
        Assert.True(badLabel.IsError);
        Assert.Equal("invalid_argument", badLabel.StructuredContent!.Value.GetProperty("code").GetString());
    }
}
