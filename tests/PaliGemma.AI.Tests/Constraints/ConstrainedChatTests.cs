using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Chat;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Constraints;

/// <summary>
/// Which chat requests are constrained: typed detect/segment tasks by default (the path of <see cref="PaliGemmaVision"/>,
/// the tools and the typed endpoints), switchable per client and per request; raw prompts only when asked; allowed answers.
/// Expected texts come from running the model directly with and without a constraint.
/// </summary>
[Collection(ChatModelCollection.Name)]
public sealed class ConstrainedChatTests(ChatTestModels models)
{
    private static readonly byte[] Png = TestImages.Png(5, width: 320, height: 240);

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Typed_detect_and_segment_are_constrained_by_default_and_not_when_the_client_says_so(string variant)
    {
        PaliGemmaModel model = models.Get(variant);
        using var client = new PaliGemmaChatClient(model);
        using var free = new PaliGemmaChatClient(model, new PaliGemmaChatClientOptions { ConstrainTypedTasks = false });
        var vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = 24 });
        var freeVision = new PaliGemmaVision(free, new PaliGemmaVisionOptions { MaxOutputTokens = 24 });

        DetectionResult detected = await vision.DetectAsync(Png, ["cat", "traffic light"]);
        SegmentationResult segmented = await vision.SegmentAsync(Png, ["dog"]);
        DetectionResult freeDetected = await freeVision.DetectAsync(Png, ["cat", "traffic light"]);

        Assert.Equal(Direct(model, PaliGemmaTask.Detect("cat", "traffic light"), 24, constrained: true), detected.RawText);
        Assert.Equal(Direct(model, PaliGemmaTask.Segment("dog"), 24, constrained: true), segmented.RawText);
        Assert.Equal(Direct(model, PaliGemmaTask.Detect("cat", "traffic light"), 24, constrained: false), freeDetected.RawText);
        Assert.True(ConstrainedGenerationTests.IsObjectList(detected.RawText, ["cat", "traffic light"], segment: false), detected.RawText);
        Assert.True(ConstrainedGenerationTests.IsObjectList(segmented.RawText, ["dog"], segment: true), segmented.RawText);
        Assert.NotEqual(detected.RawText, freeDetected.RawText);
    }

    [Fact]
    public async Task Raw_prompts_are_constrained_only_when_asked_and_a_request_can_switch_a_typed_task_off()
    {
        PaliGemmaModel model = models.Pg1;
        using var client = new PaliGemmaChatClient(model);
        PaliGemmaTask task = PaliGemmaTask.Detect("cat", "dog");
        string constrained = Direct(model, task, 20, constrained: true);
        string free = Direct(model, task, 20, constrained: false);
        Assert.NotEqual(constrained, free);

        ChatResponse raw = await client.GetResponseAsync(Ask("detect cat ; dog", Png), new ChatOptions { MaxOutputTokens = 20 });
        ChatResponse rawAsked = await client.GetResponseAsync(Ask("detect cat ; dog", Png), new ChatOptions { MaxOutputTokens = 20 }.WithPaliGemmaConstrainedDecoding());
        ChatResponse typedOff = await client.GetResponseAsync(Ask(string.Empty, Png), new ChatOptions { MaxOutputTokens = 20 }.WithPaliGemmaTask(task).WithPaliGemmaConstrainedDecoding(false));
        using var offClient = new PaliGemmaChatClient(model, new PaliGemmaChatClientOptions { ConstrainTypedTasks = false });
        ChatResponse typedOn = await offClient.GetResponseAsync(Ask(string.Empty, Png), new ChatOptions { MaxOutputTokens = 20 }.WithPaliGemmaTask(task).WithPaliGemmaConstrainedDecoding(true));

        Assert.Equal(free, raw.Text);
        Assert.Equal(constrained, rawAsked.Text);
        Assert.Equal(free, typedOff.Text);
        Assert.Equal(constrained, typedOn.Text);
    }

    [Fact]
    public async Task Allowed_answers_constrain_an_answer_and_misuse_is_an_error()
    {
        PaliGemmaModel model = models.Pg2;
        using var client = new PaliGemmaChatClient(model);
        string[] choices = ["yes", "no", "maybe not"];

        ChatResponse answer = await client.GetResponseAsync(Ask("answer en is it red?", Png), new ChatOptions { MaxOutputTokens = 8 }.WithPaliGemmaAllowedAnswers(choices));

        Assert.Contains(answer.Text, choices);
        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        var vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = 8 });
        TextResult typed = await vision.AnswerAsync(new DataContent(Png, "image/png"), "is it red?", choices);
        Assert.Equal(answer.Text, typed.Text);
        await Assert.ThrowsAsync<ArgumentException>(() => vision.AnswerAsync(new DataContent(Png, "image/png"), "is it red?", Array.Empty<string>()));
        Assert.Contains("no output grammar", (await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Ask("caption en", Png), new ChatOptions().WithPaliGemmaConstrainedDecoding()))).Message, StringComparison.Ordinal);
        Assert.Contains("not an answer task", (await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(Ask("detect cat", Png), new ChatOptions().WithPaliGemmaAllowedAnswers(["yes"])))).Message, StringComparison.Ordinal);
        var wrongType = new ChatOptions { AdditionalProperties = new() { [PaliGemmaChatOptionsExtensions.ConstrainedDecodingPropertyName] = "yes" } };
        Assert.Contains("must be a bool", Assert.Throws<ArgumentException>(() => wrongType.GetPaliGemmaConstrainedDecoding()).Message, StringComparison.Ordinal);
        Assert.Null(new ChatOptions().GetPaliGemmaConstrainedDecoding());
        Assert.Null(new ChatOptions().GetPaliGemmaAllowedAnswers());
        Assert.Equal(2, client.Statistics.CompletedRequests); // only the two allowed-answers requests ran
    }

    /// <summary>The text of a direct greedy run of the model, with or without the task's constraint.</summary>
    private static string Direct(PaliGemmaModel model, PaliGemmaTask task, int maxNewTokens, bool constrained)
    {
        float[] features = model.EncodeImage(PaliGemmaImageProcessor.Preprocess(Png, model.ImageSize).PixelValues);
        var settings = new PaliGemmaGenerationSettings { MaxNewTokens = maxNewTokens, Constraint = constrained ? model.CreateOutputConstraint(task) : null };
        return model.Decode([.. model.Generate(features, model.BuildPromptIds(task.ToPrompt()), settings).Where(t => !t.IsStop).Select(t => t.Id)]);
    }
}
