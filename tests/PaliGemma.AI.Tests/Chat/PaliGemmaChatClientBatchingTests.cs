using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>The chat client on a batching model: concurrent requests share one generator and answer as they do one by one.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class PaliGemmaChatClientBatchingTests(ChatTestModels models)
{
    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Concurrent_requests_share_one_batch_and_answer_like_sequential_ones(string variant)
    {
        var images = Enumerable.Range(40, 4).Select(i => TestImages.Png(i)).ToArray();
        string[] prompts = ["caption en", "detect cat ; dog ; traffic light", "ocr", "answer en what is it"];
        ChatOptions[] options =
        [
            new() { MaxOutputTokens = 12 },
            new() { MaxOutputTokens = 12 },
            new() { MaxOutputTokens = 4 },
            new() { MaxOutputTokens = 12 },
        ];

        using var sequentialClient = new PaliGemmaChatClient(models.Get(variant));
        var sequential = new List<ChatResponse>();
        for (var i = 0; i < 4; i++)
        {
            sequential.Add(await sequentialClient.GetResponseAsync(Ask(prompts[i], images[i]), options[i]));
        }

        // A stop sequence taken from the middle of one answer: the caller side cuts that row while the batch goes on.
        string text = sequential[1].Text;
        Assert.True(text.Length >= 4, $"answer too short to cut: '{text}'");
        string stop = text.Substring(text.Length / 2, 2);
        options[1].StopSequences = [stop];
        string expectedCut = text[..text.IndexOf(stop, StringComparison.Ordinal)];

        using var model = PaliGemmaModel.Load(models.PathOf(variant), new PaliGemmaModelOptions { MaxBatchSize = 4 });
        using var client = new PaliGemmaChatClient(model, new PaliGemmaChatClientOptions { MaxConcurrency = 4 });

        // The batcher holds the forming batch until all four requests are in it (it starts when full), however long the
        // machine takes to get them there: the test proves that four concurrent requests reach the decoder together and run
        // as one batch, not that they do so within a time window. Were the client to serialise them, the batch would never
        // fill and the wait below would time out (then the hold is released so that nothing stays blocked).
        var release = new TaskCompletionSource();
        model.HoldBatchesUntil(release.Task);
        ChatResponse[] concurrent;
        try
        {
            concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => client.GetResponseAsync(Ask(prompts[i], images[i]), options[i]))))
                .WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            release.TrySetResult();
        }

        Assert.Equal((1L, 4L), model.BatchCounts);
        Assert.Equal(sequential[0].Text, concurrent[0].Text);
        Assert.Equal(expectedCut, concurrent[1].Text);
        Assert.Equal(ChatFinishReason.Stop, concurrent[1].FinishReason);
        Assert.Equal(sequential[2].Text, concurrent[2].Text);
        Assert.Equal(sequential[2].Usage!.OutputTokenCount, concurrent[2].Usage!.OutputTokenCount);
        Assert.Equal(sequential[3].Text, concurrent[3].Text);
        Assert.Equal(sequential[3].FinishReason, concurrent[3].FinishReason);
        Assert.Equal(4, client.Statistics.CompletedRequests);
    }
}
