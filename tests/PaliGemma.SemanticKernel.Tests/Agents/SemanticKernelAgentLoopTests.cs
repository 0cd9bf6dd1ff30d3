using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;
using TextContent = Microsoft.SemanticKernel.TextContent;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>Semantic Kernel auto function calling over the plugin registered with <c>IKernelBuilder.AddPaliGemma</c>.</summary>
public class SemanticKernelAgentLoopTests
{
    [Fact]
    public async Task Auto_function_calling_runs_detect_then_segment_on_the_chat_image_and_answers()
    {
        string? detectName = null, segmentName = null;
        var llm = new ScriptedChatClient((turn, _, options) =>
        {
            detectName ??= options!.Tools!.Single(t => t.Name.EndsWith("Detect", StringComparison.Ordinal)).Name;
            segmentName ??= options!.Tools!.Single(t => t.Name.EndsWith("Segment", StringComparison.Ordinal)).Name;
            return turn switch
            {
                0 => ScriptedChatClient.Call("k1", detectName, new() { ["labels"] = "car" }),
                1 => ScriptedChatClient.Call("k2", segmentName, new() { ["labels"] = "car" }),
                _ => ScriptedChatClient.Say("Found it."),
            };
        });

        IKernelBuilder builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton<IChatCompletionService>(llm.AsBuilder().UseKernelFunctionInvocation().Build().AsChatCompletionService());
        builder.AddPaliGemma(o => o.ModelPath = AgentModelFixture.Folder);
        builder.Plugins.AddPaliGemmaPlugin();
        Kernel kernel = builder.Build();

        KernelPlugin plugin = Assert.Single(kernel.Plugins);
        Assert.Equal("paligemma", plugin.Name);
        Assert.Equal(["Answer", "Caption", "Detect", "Ocr", "Segment"], plugin.Select(f => f.Name).Order(StringComparer.Ordinal));

        var history = new ChatHistory();
        history.AddUserMessage([new TextContent("Where is the car?"), new ImageContent(AgentModelFixture.SceneBytes, "image/png")]);
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        ChatMessageContent answer = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history, settings, kernel);

        Assert.Equal("Found it.", answer.Content);
        Assert.Equal(3, llm.Calls.Count);
        List<FunctionResultContent> results = ToolJson.Results(llm.Calls[2]);
        Assert.Equal(["k1", "k2"], results.Select(r => r.CallId));
        foreach (FunctionResultContent result in results)
        {
            JsonElement json = ToolJson.Of(result);
            Assert.False(json.TryGetProperty("error", out _), json.GetRawText());
            Assert.Equal(["imageWidth", "imageHeight", "objects", "rawText"], ToolJson.Names(json));
            Assert.Equal(320, json.GetProperty("imageWidth").GetInt32());
            Assert.Equal(240, json.GetProperty("imageHeight").GetInt32());
            Assert.Equal(JsonValueKind.Array, json.GetProperty("objects").ValueKind);
            Assert.NotEmpty(json.GetProperty("rawText").GetString()!);
        }
    }

    [Fact]
    public async Task Kernel_invocation_returns_the_typed_result()
    {
        IKernelBuilder builder = Kernel.CreateBuilder();
        builder.AddPaliGemma(o => o.ModelPath = AgentModelFixture.Folder);
        Kernel kernel = builder.Build();
        KernelPlugin plugin = kernel.AddPaliGemmaPlugin();
        string id = kernel.GetRequiredService<IImageStore>().Add(PaliGemma.AI.PaliGemmaImageContent.FromBytes(AgentModelFixture.SceneBytes));

        DetectToolResult? result = await kernel.InvokeAsync<DetectToolResult>(plugin["Detect"], new KernelArguments { ["labels"] = "car", ["image"] = id });
        TextToolResult? missing = await kernel.InvokeAsync<TextToolResult>(plugin["Caption"], new KernelArguments { ["image"] = "img_ffffffffffffffffffffffffffffffff" });

        Assert.NotNull(result);
        Assert.False(result.IsError);
        Assert.Equal(320, result.ImageWidth);
        Assert.NotNull(result.Objects);
        Assert.NotNull(missing);
        Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, missing.Code);
        Assert.Null(missing.Text);
    }

    [Fact]
    public async Task Configuration_binding_and_tool_options_reach_the_plugin()
    {
        string root = Directory.CreateTempSubdirectory("pg-sk-root-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(root, "scene.png"), AgentModelFixture.SceneBytes);
            IConfiguration configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["PaliGemma:ModelPath"] = AgentModelFixture.Folder, ["PaliGemma:VisionMaxOutputTokens"] = "8" })
                .Build();
            IKernelBuilder builder = Kernel.CreateBuilder();
            builder.AddPaliGemma(configuration.GetSection("PaliGemma"), tools => tools.AllowedRoots.Add(root));
            Kernel kernel = builder.Build();
            KernelPlugin plugin = kernel.AddPaliGemmaPlugin();

            TextToolResult? caption = await kernel.InvokeAsync<TextToolResult>(plugin["Caption"], new KernelArguments { ["image"] = "scene.png" });
            TextToolResult? outside = await kernel.InvokeAsync<TextToolResult>(plugin["Caption"], new KernelArguments { ["image"] = "/etc/hostname" });

            Assert.Null(caption!.Error);
            Assert.Equal(240, caption.ImageHeight);
            Assert.NotNull(caption.Text);
            Assert.NotNull(kernel.GetRequiredService<PaliGemmaVisionTools>().Options.MaskDecoder);
            Assert.Null(kernel.Services.GetService<IChatClient>());
            Assert.NotNull(kernel.Services.GetKeyedService<IChatClient>("paligemma"));
            Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, outside!.Code);
            Assert.Equal(ImageReferenceResolver.FileNotFoundMessage, outside.Error);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Every_function_and_parameter_has_a_description()
    {
        KernelPlugin plugin = PaliGemmaPlugin.CreateKernelPlugin(new PaliGemmaVisionTools(new PaliGemma.AI.PaliGemmaVision(new FakePaliGemmaServer())));
        foreach (KernelFunction function in plugin)
        {
            Assert.False(string.IsNullOrWhiteSpace(function.Description), function.Name);
            Assert.All(function.Metadata.Parameters, p => Assert.False(string.IsNullOrWhiteSpace(p.Description), $"{function.Name}.{p.Name}"));
            Assert.Contains(function.Metadata.Parameters, p => p.Name == "image" && !p.IsRequired);
        }

        Assert.Equal(["labels"], plugin["Detect"].Metadata.Parameters.Where(p => p.IsRequired).Select(p => p.Name));
        Assert.Equal(["question"], plugin["Answer"].Metadata.Parameters.Where(p => p.IsRequired).Select(p => p.Name));
    }
}
