using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using PaliGemma.AI;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>Masks reach the tool results without configuring <see cref="PaliGemmaToolOptions.MaskDecoder"/>.</summary>
public sealed class SegmentMaskDefaultTests(AgentModelFixture fixture) : IClassFixture<AgentModelFixture>
{
    [Fact]
    public async Task Segment_tool_returns_the_rle_mask_from_the_model_folders_decoder_by_default()
    {
        MaskDecoder decoder = Assert.IsType<MaskDecoder>(fixture.ChatClient.GetService<MaskDecoder>());
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(new FakePaliGemmaServer(decoder)));

        SegmentToolResult result = await tools.SegmentAsync(new DataContent(AgentModelFixture.SceneBytes, "image/png"), "car");

        Assert.Null(result.Error);
        Assert.Null(tools.Options.MaskDecoder);
        ToolSegmentedObject car = Assert.Single(result.Objects!);
        ToolMask mask = Assert.IsType<ToolMask>(car.Mask);
        Assert.Equal("coco_rle", mask.Format);
        Assert.Equal([240, 320], mask.Size);
        Assert.Equal(240 * 320, mask.Counts.Sum());

        // Foreground runs are the odd-indexed counts; their sum is the area: not empty, and no larger than the box
        // (20, 120)–(125, 180).
        Assert.Equal(mask.Area, mask.Counts.Where((_, i) => i % 2 == 1).Sum());
        Assert.InRange(mask.Area, 1, (125 - 20) * (180 - 120));

        // Every foreground pixel (COCO RLE runs over a column-major 240 × 320 grid) lies inside the object's box.
        int index = 0;
        for (int run = 0; run < mask.Counts.Count; run++)
        {
            for (int k = 0; run % 2 == 1 && k < mask.Counts[run]; k++)
            {
                int x = (index + k) / 240, y = (index + k) % 240;
                Assert.True(x >= Math.Floor(car.Box.Left) && x <= Math.Ceiling(car.Box.Right) && y >= Math.Floor(car.Box.Top) && y <= Math.Ceiling(car.Box.Bottom),
                    $"mask pixel ({x}, {y}) lies outside the box {car.Box.Left}, {car.Box.Top}, {car.Box.Right}, {car.Box.Bottom}");
            }

            index += mask.Counts[run];
        }
    }

    [Fact]
    public async Task Without_any_decoder_the_tool_returns_boxes_without_masks()
    {
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(new FakePaliGemmaServer()));

        SegmentToolResult result = await tools.SegmentAsync(new DataContent(AgentModelFixture.SceneBytes, "image/png"), "car");

        Assert.Null(Assert.Single(result.Objects!).Mask);
    }

    [Fact]
    public void Kernel_tools_default_to_the_chat_clients_mask_decoder()
    {
        IKernelBuilder builder = Kernel.CreateBuilder();
        builder.AddPaliGemma(o => o.ModelPath = AgentModelFixture.Folder);
        Kernel kernel = builder.Build();
        try
        {
            MaskDecoder? served = kernel.Services.GetRequiredKeyedService<IChatClient>("paligemma").GetService<MaskDecoder>();

            Assert.NotNull(served);
            Assert.Same(served, kernel.GetRequiredService<PaliGemmaVisionTools>().Options.MaskDecoder);
        }
        finally
        {
            (kernel.Services as IDisposable)?.Dispose();
        }
    }
}
