using System.Text.Json;
using Microsoft.SemanticKernel;
using PaliGemma.AI;
using PaliGemma.SemanticKernel.Tests.Agents;
using SkiaSharp;

namespace PaliGemma.SemanticKernel.Tests.Tools;

public sealed class DescribeObjectsToolTests
{
    [Fact]
    public async Task Describe_each_object_detects_then_captions_each_crop()
    {
        var store = new InMemoryImageStore();
        string id = store.Add(Image(320, 240));
        var server = new FakePaliGemmaServer();
        var vision = new PaliGemmaVision(server);
        var tool = new PaliGemmaDescribeObjectsTool(vision, new PaliGemmaVisionTools(vision, new ImageReferenceResolver(store)));

        DescribeObjectsToolResult result = await tool.DescribeEachObjectAsync("car", id);

        Assert.False(result.IsError, result.Error);
        Assert.Equal((320, 240), (result.ImageWidth, result.ImageHeight));
        DescribedObject car = Assert.Single(result.Objects!);
        Assert.Equal(("car", "a red car on a road"), (car.Label, car.Description));
        Assert.Equal(new ToolBox(20, 120, 125, 180), car.Box);
        Assert.Equal(["detect car", "caption en"], server.Prompts);
        string json = JsonSerializer.Serialize(result, DescribeObjectsToolJsonContext.Default.DescribeObjectsToolResult);
        Assert.Equal(
            """{"imageWidth":320,"imageHeight":240,"objects":[{"label":"car","box":{"left":20,"top":120,"right":125,"bottom":180}""" +
            ""","normalizedBox":{"left":0.0625,"top":0.5,"right":0.3906,"bottom":0.75},"description":"a red car on a road"}]}""",
            json);
    }

    [Fact]
    public async Task Problems_come_back_as_error_results_and_the_plugin_exposes_the_function()
    {
        var vision = new PaliGemmaVision(new FakePaliGemmaServer());
        var tool = new PaliGemmaDescribeObjectsTool(vision, new PaliGemmaVisionTools(vision, new ImageReferenceResolver(new InMemoryImageStore())));

        DescribeObjectsToolResult missing = await tool.DescribeEachObjectAsync("car", "img_unknown");
        DescribeObjectsToolResult noLabels = await tool.DescribeEachObjectAsync(" , ", "img_unknown");

        Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, missing.Code);
        Assert.True(noLabels.IsError);
        KernelPlugin plugin = PaliGemmaDescribeObjectsTool.CreatePlugin(tool);
        Assert.True(plugin.TryGetFunction("DescribeEachObject", out _));
    }

    private static byte[] Image(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(200, 30, 30));
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
