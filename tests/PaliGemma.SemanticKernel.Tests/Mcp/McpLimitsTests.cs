using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using PaliGemma.AI;
using PaliGemma.AspNetCore;
using PaliGemma.SemanticKernel.Tests.Agents;
using SkiaSharp;

namespace PaliGemma.SemanticKernel.Tests.Mcp;

/// <summary>MCP limits: open-world hint follows the URL policy, annotated PNGs are capped, a full queue is "busy", errors carry no absolute paths.</summary>
public sealed class McpLimitsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OpenWorld_is_true_exactly_when_urls_are_allowed(bool fetchesUrls)
    {
        var services = new ServiceCollection();
        PaliGemmaMcpTools.AddPaliGemmaTools(services.AddMcpServer(), fetchesUrls);
        using ServiceProvider provider = services.BuildServiceProvider();

        McpServerOptions options = provider.GetRequiredService<IOptions<McpServerOptions>>().Value;
        List<McpServerTool> tools = [.. options.ToolCollection!];
        Assert.Equal(["answer", "caption", "detect", "ocr", "segment"], tools.Select(t => t.ProtocolTool.Name).Order());
        Assert.All(tools, t =>
        {
            Assert.Equal(fetchesUrls, t.ProtocolTool.Annotations!.OpenWorldHint);
            Assert.True(t.ProtocolTool.Annotations.ReadOnlyHint);
        });
    }

    [Fact]
    public async Task Annotated_png_is_left_out_above_the_pixel_cap()
    {
        var tools = new PaliGemmaMcpTools(new PaliGemmaVisionTools(new PaliGemmaVision(new FakePaliGemmaServer())));
        CallToolResult small = await tools.DetectAsync(DataUri(320, 240), "car", CancellationToken.None);
        CallToolResult large = await tools.DetectAsync(DataUri(2049, 2048), "car", CancellationToken.None);

        Assert.Equal(2, small.Content.Count);
        Assert.IsType<ImageContentBlock>(small.Content[1]);
        Assert.NotEqual(true, large.IsError);
        Assert.Single(large.StructuredContent!.Value.GetProperty("objects").EnumerateArray());
        Assert.IsType<TextContentBlock>(Assert.Single(large.Content)); // 2049 × 2048 > MaxAnnotatedImagePixels: JSON only
        Assert.True(2049L * 2048 > PaliGemmaMcpTools.MaxAnnotatedImagePixels);
    }

    [Fact]
    public void A_full_queue_is_the_busy_code_and_model_errors_carry_no_paths()
    {
        (string code, string message) = ToolResultMapper.Describe(new PaliGemmaQueueFullException("queue full"));
        Assert.Equal(PaliGemmaToolErrorCodes.Busy, code);
        Assert.Contains("busy", message, StringComparison.Ordinal);

        (string modelCode, string modelMessage) = ToolResultMapper.Describe(new IOException("Could not open /srv/models/pg/decoder.onnx for reading"));
        Assert.Equal(PaliGemmaToolErrorCodes.ModelError, modelCode);
        Assert.DoesNotContain("/srv", modelMessage, StringComparison.Ordinal);

        (_, string argument) = ToolResultMapper.Describe(new ArgumentException("The file '/home/user/secret/cat.png' and C:\\Users\\me\\x.png are bad; image/png at https://example.com/a/b stays."));
        Assert.DoesNotContain("/home/user", argument, StringComparison.Ordinal);
        Assert.DoesNotContain("C:\\Users", argument, StringComparison.Ordinal);
        Assert.Contains("image/png", argument, StringComparison.Ordinal);
        Assert.Contains("https://example.com/a/b", argument, StringComparison.Ordinal);
        Assert.Contains("<path>", argument, StringComparison.Ordinal);
    }

    private static string DataUri(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.SkyBlue);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return "data:image/png;base64," + Convert.ToBase64String(png.ToArray());
    }
}
