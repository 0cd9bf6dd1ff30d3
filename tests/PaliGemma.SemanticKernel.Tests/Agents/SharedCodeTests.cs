using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using PaliGemma.AI;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>The Semantic Kernel plugin wraps the same core as the PaliGemma.AI functions and gives the same JSON.</summary>
public class SharedCodeTests
{
    [Fact]
    public async Task Kernel_and_ai_function_invocations_give_identical_json()
    {
        var store = new InMemoryImageStore();
        string id = store.Add(AgentModelFixture.SceneBytes);
        var vision = new PaliGemmaVision(new FakePaliGemmaServer());
        var resolver = new ImageReferenceResolver(store);
        IList<AITool> tools = PaliGemmaTools.Create(vision, resolver);
        KernelPlugin plugin = PaliGemmaPlugin.CreateKernelPlugin(new PaliGemmaVisionTools(vision, resolver));

        Assert.All(tools, t => Assert.IsNotAssignableFrom<KernelFunction>(t));
        Assert.Equal(["Detect", "Segment", "Caption", "Ocr", "Answer"], plugin.Select(f => f.Name));
        Assert.Equal(tools.Select(t => t.Name), plugin.Select(f => PaliGemmaTools.NamePrefix + f.Name));
        Assert.Equal(tools.Select(t => t.Description), plugin.Select(f => f.Description));
        var detect = (AIFunction)tools.Single(t => t.Name == "paligemma_Detect");
        object? viaAi = await detect.InvokeAsync(new AIFunctionArguments { ["labels"] = "car", ["image"] = id });
        FunctionResult viaKernel = await new Kernel().InvokeAsync(plugin["Detect"], new KernelArguments { ["labels"] = "car", ["image"] = id });
        string kernelJson = System.Text.Json.JsonSerializer.Serialize(viaKernel.GetValue<DetectToolResult>(), PaliGemmaToolJsonContext.Default.DetectToolResult);

        string aiJson = Assert.IsType<System.Text.Json.JsonElement>(viaAi).GetRawText();
        Assert.Equal(System.Text.Json.JsonDocument.Parse(kernelJson).RootElement.ToString(), System.Text.Json.JsonDocument.Parse(aiJson).RootElement.ToString());
        Assert.Contains("\"label\":\"car\"", kernelJson, StringComparison.Ordinal);
    }
}
