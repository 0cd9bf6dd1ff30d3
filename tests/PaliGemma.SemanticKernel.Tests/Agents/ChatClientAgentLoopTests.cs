using System.Text.Json;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>A full Microsoft.Extensions.AI agent loop: scripted LLM → UseFunctionInvocation() → PaliGemma tools.</summary>
public class ChatClientAgentLoopTests : IClassFixture<AgentModelFixture>
{
    private readonly AgentModelFixture _fixture;

    public ChatClientAgentLoopTests(AgentModelFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Tiny_model_detect_then_segment_then_answer_over_the_conversation_image()
    {
        IList<AITool> tools = PaliGemmaTools.Create(_fixture.CreateVision(), null, new PaliGemmaToolOptions { MaskDecoder = _fixture.MaskDecoder });
        var llm = new ScriptedChatClient((turn, _, _) => turn switch
        {
            0 => ScriptedChatClient.Call("call-1", "paligemma_Detect", new() { ["labels"] = "car" }),
            1 => ScriptedChatClient.Call("call-2", "paligemma_Segment", new() { ["labels"] = "car, tree" }),
            _ => ScriptedChatClient.Say("There is a car."),
        });
        using IChatClient agent = llm.AsBuilder().UseFunctionInvocation().Build();

        ChatResponse response = await agent.GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new TextContent("Where is the car?"), new DataContent(AgentModelFixture.SceneBytes, "image/png")])],
            new ChatOptions { Tools = tools });

        Assert.Equal("There is a car.", response.Text);
        Assert.Equal(3, llm.Calls.Count);
        Assert.Equal(["paligemma_Detect", "paligemma_Segment", "paligemma_Caption", "paligemma_Ocr", "paligemma_Answer"], llm.OfferedTools[0]!.Select(t => t.Name));

        // Turn 2 saw the Detect result; turn 3 saw both.
        FunctionResultContent detect = Assert.Single(ToolJson.Results(llm.Calls[1]));
        Assert.Equal("call-1", detect.CallId);
        JsonElement detectJson = ToolJson.Of(detect);
        Assert.Equal(["imageWidth", "imageHeight", "objects", "rawText"], ToolJson.Names(detectJson));
        Assert.Equal(320, detectJson.GetProperty("imageWidth").GetInt32());
        Assert.Equal(240, detectJson.GetProperty("imageHeight").GetInt32());
        Assert.Equal(JsonValueKind.String, detectJson.GetProperty("rawText").ValueKind);
        Assert.NotEmpty(detectJson.GetProperty("rawText").GetString()!);
        Assert.Equal(JsonValueKind.Array, detectJson.GetProperty("objects").ValueKind);
        foreach (JsonElement o in detectJson.GetProperty("objects").EnumerateArray())
        {
            AssertObject(o, 320, 240, hasMaskProperty: false);
        }

        List<FunctionResultContent> both = ToolJson.Results(llm.Calls[2]);
        Assert.Equal(["call-1", "call-2"], both.Select(r => r.CallId));
        JsonElement segmentJson = ToolJson.Of(both[1]);
        Assert.Equal(["imageWidth", "imageHeight", "objects", "rawText"], ToolJson.Names(segmentJson));
        Assert.Equal(320, segmentJson.GetProperty("imageWidth").GetInt32());
        Assert.Equal(240, segmentJson.GetProperty("imageHeight").GetInt32());
        foreach (JsonElement o in segmentJson.GetProperty("objects").EnumerateArray())
        {
            AssertObject(o, 320, 240, hasMaskProperty: true);
        }
    }

    [Fact]
    public async Task Known_answers_give_exact_boxes_and_rle_masks_for_a_registered_image_id()
    {
        var server = new FakePaliGemmaServer();
        var store = new InMemoryImageStore();
        string id = store.Add(AgentModelFixture.SceneBytes);
        var options = new PaliGemmaToolOptions { MaskDecoder = _fixture.MaskDecoder };
        IList<AITool> tools = PaliGemmaTools.Create(new PaliGemmaVision(server), new ImageReferenceResolver(store, options), options);
        var llm = new ScriptedChatClient((turn, _, _) => turn switch
        {
            0 => ScriptedChatClient.Call("d", "paligemma_Detect", new() { ["labels"] = "car", ["image"] = id }),
            1 => ScriptedChatClient.Call("s", "paligemma_Segment", new() { ["labels"] = "car", ["image"] = id }),
            _ => ScriptedChatClient.Say("The car is at the lower left."),
        });
        using IChatClient agent = llm.AsBuilder().UseFunctionInvocation().Build();

        ChatResponse response = await agent.GetResponseAsync([new ChatMessage(ChatRole.User, $"Where is the car in image {id}?")], new ChatOptions { Tools = tools });

        Assert.Equal("The car is at the lower left.", response.Text);
        Assert.Equal(["detect car", "segment car"], server.Prompts);
        List<FunctionResultContent> results = ToolJson.Results(llm.Calls[2]);

        JsonElement detect = ToolJson.Of(results[0]);
        Assert.Equal(FakePaliGemmaServer.DetectAnswer, detect.GetProperty("rawText").GetString());
        JsonElement car = Assert.Single(detect.GetProperty("objects").EnumerateArray());
        Assert.Equal(["label", "box", "normalizedBox"], ToolJson.Names(car));
        Assert.Equal("car", car.GetProperty("label").GetString());
        AssertBox(car.GetProperty("box"), 20, 120, 125, 180);
        AssertBox(car.GetProperty("normalizedBox"), 0.0625, 0.5, 0.3906, 0.75);

        JsonElement segment = ToolJson.Of(results[1]);
        JsonElement segCar = Assert.Single(segment.GetProperty("objects").EnumerateArray());
        Assert.Equal(["label", "box", "normalizedBox", "mask"], ToolJson.Names(segCar));
        AssertBox(segCar.GetProperty("box"), 20, 120, 125, 180);
        JsonElement mask = segCar.GetProperty("mask");
        Assert.Equal(["format", "size", "counts", "area", "box"], ToolJson.Names(mask));
        Assert.Equal("coco_rle", mask.GetProperty("format").GetString());
        Assert.Equal([240, 320], mask.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        AssertBox(mask.GetProperty("box"), 20, 120, 125, 180);
        int[] counts = [.. mask.GetProperty("counts").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal(240 * 320, counts.Sum());
        Assert.All(counts.Skip(1), c => Assert.True(c > 0));

        // Decode the column-major RLE: every foreground pixel lies in the box, and the count matches "area".
        int area = 0, position = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (i % 2 == 1)
            {
                for (int p = position; p < position + counts[i]; p++)
                {
                    int x = p / 240, y = p % 240;
                    Assert.InRange(x, 20, 124);
                    Assert.InRange(y, 120, 179);
                }

                area += counts[i];
            }

            position += counts[i];
        }

        Assert.Equal(area, mask.GetProperty("area").GetInt32());
        Assert.DoesNotContain("base64", segment.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_rejected_reference_becomes_an_error_result_and_the_loop_goes_on()
    {
        string root = Directory.CreateTempSubdirectory("pg-root-").FullName;
        try
        {
            var options = new PaliGemmaToolOptions();
            options.AllowedRoots.Add(root);
            IList<AITool> tools = PaliGemmaTools.Create(new PaliGemmaVision(new FakePaliGemmaServer()), new ImageReferenceResolver(null, options), options);
            var llm = new ScriptedChatClient((turn, _, _) => turn switch
            {
                0 => ScriptedChatClient.Call("bad", "paligemma_Caption", new() { ["image"] = "../../etc/passwd" }),
                1 => ScriptedChatClient.Call("missing", "paligemma_Ocr", new() { ["image"] = "img_00000000000000000000000000000000" }),
                _ => ScriptedChatClient.Say("I could not open that image."),
            });
            using IChatClient agent = llm.AsBuilder().UseFunctionInvocation().Build();

            ChatResponse response = await agent.GetResponseAsync([new ChatMessage(ChatRole.User, "Caption /etc/passwd")], new ChatOptions { Tools = tools });

            Assert.Equal("I could not open that image.", response.Text);
            List<FunctionResultContent> results = ToolJson.Results(llm.Calls[2]);
            JsonElement bad = ToolJson.Of(results[0]);
            Assert.Equal(["error", "code"], ToolJson.Names(bad));
            Assert.Equal("image_not_found", bad.GetProperty("code").GetString());
            Assert.Equal(ImageReferenceResolver.FileNotFoundMessage, bad.GetProperty("error").GetString());
            JsonElement missing = ToolJson.Of(results[1]);
            Assert.Equal(["error", "code"], ToolJson.Names(missing));
            Assert.Equal("image_not_found", missing.GetProperty("code").GetString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void AssertObject(JsonElement o, int width, int height, bool hasMaskProperty)
    {
        Assert.Equal(JsonValueKind.String, o.GetProperty("label").ValueKind);
        // The pixel box is rounded to 2 decimals and the normalized one, from the unrounded box, to 4: compare within 1e-4.
        JsonElement box = o.GetProperty("box"), norm = o.GetProperty("normalizedBox");
        Assert.Equal(ToolJson.Num(box, "left") / width, ToolJson.Num(norm, "left"), 1e-4);
        Assert.Equal(ToolJson.Num(box, "top") / height, ToolJson.Num(norm, "top"), 1e-4);
        Assert.Equal(ToolJson.Num(box, "right") / width, ToolJson.Num(norm, "right"), 1e-4);
        Assert.Equal(ToolJson.Num(box, "bottom") / height, ToolJson.Num(norm, "bottom"), 1e-4);
        if (hasMaskProperty && o.TryGetProperty("mask", out JsonElement mask))
        {
            int[] counts = [.. mask.GetProperty("counts").EnumerateArray().Select(e => e.GetInt32())];
            Assert.Equal(width * height, counts.Sum());
            Assert.Equal(counts.Where((_, i) => i % 2 == 1).Sum(), mask.GetProperty("area").GetInt32());
        }
    }

    private static void AssertBox(JsonElement box, double left, double top, double right, double bottom)
    {
        Assert.Equal(["left", "top", "right", "bottom"], ToolJson.Names(box));
        Assert.Equal(left, ToolJson.Num(box, "left"), 4);
        Assert.Equal(top, ToolJson.Num(box, "top"), 4);
        Assert.Equal(right, ToolJson.Num(box, "right"), 4);
        Assert.Equal(bottom, ToolJson.Num(box, "bottom"), 4);
    }
}
