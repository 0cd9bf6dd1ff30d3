using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI.Tests.TrainedModel;
using PaliGemma.Onnx.Bundled;

namespace PaliGemma.AI.Tests.Tools;

/// <summary>
/// The vision tools as plain Microsoft.Extensions.AI functions (issue 23 item 5): a scripted LLM behind
/// <c>UseFunctionInvocation()</c> calls <c>paligemma_Detect</c> with an image id, the tool runs on the bundled scene
/// model, and its JSON reaches the LLM's second call. This project does not reference Semantic Kernel.
/// </summary>
public sealed class AIFunctionToolsTests : IClassFixture<SceneModelEndToEndTests.Model>
{
    private readonly SceneModelEndToEndTests.Model _model;

    public AIFunctionToolsTests(SceneModelEndToEndTests.Model model) => _model = model;

    [Fact]
    public async Task A_scripted_llm_calls_detect_on_an_image_id_and_sees_the_detections_in_its_second_call()
    {
        var store = new InMemoryImageStore();
        string id = store.Add(_model.Scene.Data.ToArray());
        IList<AITool> tools = PaliGemmaTools.Create(_model.Vision, new ImageReferenceResolver(store));
        string labels = string.Join(", ", SceneModel.Labels);
        var llm = new ScriptedLlm(turn => turn == 0
            ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "paligemma_Detect", new Dictionary<string, object?> { ["labels"] = labels, ["image"] = id })])
            : new ChatMessage(ChatRole.Assistant, "I found the shapes."));
        using IChatClient agent = new ChatClientBuilder(llm).UseFunctionInvocation().Build();

        ChatResponse response = await agent.GetResponseAsync([new ChatMessage(ChatRole.User, $"Which shapes are in image {id}?")], new ChatOptions { Tools = tools });

        Assert.Equal("I found the shapes.", response.Text);
        Assert.Equal(2, llm.Calls.Count);
        Assert.Equal(["paligemma_Detect", "paligemma_Segment", "paligemma_Caption", "paligemma_Ocr", "paligemma_Answer"], llm.OfferedTools[0].Select(t => t.Name));
        Assert.Empty(llm.Calls[0].SelectMany(m => m.Contents).OfType<FunctionResultContent>());

        FunctionResultContent result = Assert.Single(llm.Calls[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal("call-1", result.CallId);
        JsonElement json = Assert.IsType<JsonElement>(result.Result);
        Assert.False(json.TryGetProperty("error", out _), json.GetRawText());
        Assert.Equal(224, json.GetProperty("imageWidth").GetInt32());
        Assert.Equal(224, json.GetProperty("imageHeight").GetInt32());

        // The same detections the typed API gives on the same image, in the tools' JSON shape (pixel boxes rounded to 0.01).
        DetectionResult direct = await _model.Vision.DetectAsync(_model.Scene, SceneModel.Labels);
        Assert.NotEmpty(direct.Objects);
        List<JsonElement> objects = [.. json.GetProperty("objects").EnumerateArray()];
        Assert.Equal(direct.Objects.Select(o => o.Label), objects.Select(o => o.GetProperty("label").GetString()));
        for (int i = 0; i < objects.Count; i++)
        {
            JsonElement box = objects[i].GetProperty("box");
            Assert.Equal(direct.Objects[i].Box.Left, box.GetProperty("left").GetDouble(), 0.005 + 1e-9);
            Assert.Equal(direct.Objects[i].Box.Top, box.GetProperty("top").GetDouble(), 0.005 + 1e-9);
            Assert.Equal(direct.Objects[i].Box.Right, box.GetProperty("right").GetDouble(), 0.005 + 1e-9);
            Assert.Equal(direct.Objects[i].Box.Bottom, box.GetProperty("bottom").GetDouble(), 0.005 + 1e-9);
            JsonElement normalized = objects[i].GetProperty("normalizedBox");
            Assert.InRange(normalized.GetProperty("right").GetDouble(), 0, 1);
        }
    }

    [Fact]
    public async Task An_unknown_image_id_comes_back_to_the_llm_as_a_typed_error()
    {
        IList<AITool> tools = new PaliGemmaVisionTools(_model.Vision, new ImageReferenceResolver(new InMemoryImageStore())).AsAIFunctions();
        var llm = new ScriptedLlm(turn => turn == 0
            ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c", "paligemma_Detect", new Dictionary<string, object?> { ["labels"] = "circle", ["image"] = "img_0123456789abcdef" })])
            : new ChatMessage(ChatRole.Assistant, "done"));
        using IChatClient agent = new ChatClientBuilder(llm).UseFunctionInvocation().Build();

        await agent.GetResponseAsync([new ChatMessage(ChatRole.User, "look")], new ChatOptions { Tools = tools });

        JsonElement json = Assert.IsType<JsonElement>(Assert.Single(llm.Calls[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>()).Result);
        Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, json.GetProperty("code").GetString());
    }

    [Fact]
    public void AddPaliGemmaTools_registers_the_tools_an_ai_only_app_turns_into_functions()
    {
        var services = new ServiceCollection();
        services.AddSingleton(_model.Vision);
        services.AddPaliGemmaTools(o => o.IncludeRawText = false);
        using ServiceProvider provider = services.BuildServiceProvider();

        PaliGemmaVisionTools tools = provider.GetRequiredService<PaliGemmaVisionTools>();
        IList<AITool> functions = tools.AsAIFunctions();

        Assert.False(tools.Options.IncludeRawText);
        Assert.IsType<InMemoryImageStore>(provider.GetRequiredService<IImageStore>());
        Assert.Equal(["paligemma_Detect", "paligemma_Segment", "paligemma_Caption", "paligemma_Ocr", "paligemma_Answer"], functions.Select(f => f.Name));
        Assert.All(functions, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
        JsonElement detectSchema = Assert.IsAssignableFrom<AIFunction>(functions[0]).JsonSchema;
        Assert.Equal(["labels"], detectSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Neither_the_library_nor_this_test_project_depends_on_Semantic_Kernel()
    {
        Assert.DoesNotContain(typeof(PaliGemmaTools).Assembly.GetReferencedAssemblies(), a => a.Name!.Contains("SemanticKernel", StringComparison.Ordinal));
        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PaliGemma.AI.Tests.deps.json"));
        Assert.Contains("PaliGemma.AI", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("SemanticKernel", deps, StringComparison.Ordinal);
    }

    /// <summary>An LLM that answers from a script by turn and records each call's messages and tools.</summary>
    private sealed class ScriptedLlm(Func<int, ChatMessage> script) : IChatClient
    {
        public List<List<ChatMessage>> Calls { get; } = [];

        public List<IList<AITool>> OfferedTools { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls.Add([.. messages]);
            OfferedTools.Add(options?.Tools ?? []);
            return Task.FromResult(new ChatResponse(script(Calls.Count - 1)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
