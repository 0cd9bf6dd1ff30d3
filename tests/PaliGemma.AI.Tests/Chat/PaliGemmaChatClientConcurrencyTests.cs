using Microsoft.Extensions.AI;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>Parallel requests, queueing, cancellation and the vision-feature cache.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class PaliGemmaChatClientConcurrencyTests(ChatTestModels models)
{
    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Eight_concurrent_requests_answer_like_eight_sequential_ones(string variant)
    {
        var options = new ChatOptions { MaxOutputTokens = 8 };
        var images = Enumerable.Range(0, 8).Select(i => TestImages.Png(i)).ToArray();
        var prompts = Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? "caption en" : "detect cat").ToArray();

        using var sequentialClient = new PaliGemmaChatClient(models.Get(variant), new PaliGemmaChatClientOptions { ImageFeatureCacheCapacity = 0 });
        var sequential = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            sequential.Add((await sequentialClient.GetResponseAsync(Ask(prompts[i], images[i]), options)).Text);
        }

        using var client = new PaliGemmaChatClient(models.Get(variant), new PaliGemmaChatClientOptions { MaxConcurrency = 4 });
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => client.GetResponseAsync(Ask(prompts[i], images[i]), options))));

        Assert.Equal(sequential, concurrent.Select(r => r.Text));
        Assert.Equal(8, client.Statistics.CompletedRequests);
        Assert.Equal(0, client.Statistics.RunningRequests);
        Assert.Equal(0, client.Statistics.QueuedRequests);
        Assert.True(sequential.Distinct().Count() > 1, "the tiny model gave the same answer for every image and prompt");
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_generation_and_the_next_request_still_works()
    {
        var image = TestImages.Png(2);
        using var client = new PaliGemmaChatClient(models.Pg2);
        using var cts = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Ask("caption en", image), new ChatOptions { MaxOutputTokens = 500 }, cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        });

        var stats = client.Statistics;
        Assert.Equal(1, received);
        Assert.Equal(0, stats.CompletedRequests);
        Assert.Equal(0, stats.RunningRequests);
        // The producer runs at most a few steps ahead of the reader (small bounded channel) and stops at the next step.
        Assert.InRange(stats.OutputTokens, 1, 16);

        var after = await client.GetResponseAsync(Ask("caption en", image), new ChatOptions { MaxOutputTokens = 6 });
        var reference = Reference(models.Pg2, image, "caption en", 6);
        Assert.Equal(ReferenceText(models.Pg2, reference), after.Text);
    }

    [Fact]
    public async Task Breaking_out_of_the_stream_releases_the_slot()
    {
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { MaxConcurrency = 1, MaxQueueLength = 0 });
        await foreach (var update in client.GetStreamingResponseAsync(Ask("caption en", TestImages.Png(3)), new ChatOptions { MaxOutputTokens = 300 }))
        {
            break;
        }

        Assert.Equal(0, client.Statistics.RunningRequests);
        var response = await client.GetResponseAsync(Ask("caption en", TestImages.Png(3)), new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal(2, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Slot_is_free_once_the_final_update_is_handed_out()
    {
        using var client = new PaliGemmaChatClient(models.Pg2, new PaliGemmaChatClientOptions { MaxConcurrency = 1 });
        ChatResponseUpdate? final = null;
        await foreach (var update in client.GetStreamingResponseAsync(Ask("ocr", TestImages.Png(1)), new ChatOptions { MaxOutputTokens = 3 }))
        {
            if (update.FinishReason is not null)
            {
                final = update;
                Assert.Equal(0, client.Statistics.RunningRequests);
            }
        }

        Assert.NotNull(final);
    }

    [Fact]
    public async Task Cancelling_while_queued_gives_up_the_place_without_running()
    {
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { MaxConcurrency = 1 });
        var image = TestImages.Png(4);
        await using var holder = client.GetStreamingResponseAsync(Ask("caption en", image), new ChatOptions { MaxOutputTokens = 300 }).GetAsyncEnumerator();
        Assert.True(await holder.MoveNextAsync()); // the only slot is now held by a stream nobody reads

        using var cts = new CancellationTokenSource();
        var queued = client.GetResponseAsync(Ask("ocr", image), cancellationToken: cts.Token);
        while (client.Statistics.QueuedRequests == 0)
        {
            await Task.Yield();
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.Equal(1, client.Statistics.Requests);
    }

    [Fact]
    public async Task Full_queue_is_reported_with_a_typed_exception()
    {
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { MaxConcurrency = 1, MaxQueueLength = 0 });
        var image = TestImages.Png(5);
        await using var holder = client.GetStreamingResponseAsync(Ask("caption en", image), new ChatOptions { MaxOutputTokens = 300 }).GetAsyncEnumerator();
        Assert.True(await holder.MoveNextAsync());

        var ex = await Assert.ThrowsAsync<PaliGemmaQueueFullException>(() => client.GetResponseAsync(Ask("ocr", image)));
        Assert.Contains("MaxQueueLength = 0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Second_request_with_the_same_image_skips_the_vision_graph(string variant)
    {
        var model = models.Get(variant);
        using var client = new PaliGemmaChatClient(model);
        var image = TestImages.Png(6);
        var options = new ChatOptions { MaxOutputTokens = 6 };
        var runsBefore = model.VisionEncoderRuns;

        var first = await client.GetResponseAsync(Ask("caption en", image), options);
        var second = await client.GetResponseAsync(Ask("caption en", [.. image]), options); // same bytes, new array
        var other = await client.GetResponseAsync(Ask("detect cat", image), options); // same image, other prompt

        Assert.Equal(first.Text, second.Text);
        Assert.Equal(1, model.VisionEncoderRuns - runsBefore);
        var stats = client.Statistics;
        Assert.Equal(1, stats.VisionEncoderRuns);
        Assert.Equal(2, stats.ImageFeatureCacheHits);
        Assert.Equal(1, stats.ImageFeatureCacheMisses);
        Assert.NotNull(other.Text);
    }

    [Fact]
    public async Task Concurrent_requests_for_one_image_share_a_single_vision_run()
    {
        var model = models.Pg2;
        using var client = new PaliGemmaChatClient(model, new PaliGemmaChatClientOptions { MaxConcurrency = 8 });
        var image = TestImages.Png(9);
        var options = new ChatOptions { MaxOutputTokens = 4 };

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => client.GetResponseAsync(Ask("caption en", image), options))));

        Assert.Single(responses.Select(r => r.Text).Distinct());
        Assert.Equal(1, client.Statistics.VisionEncoderRuns);
        Assert.Equal(1, client.Statistics.ImageFeatureCacheMisses);
        Assert.Equal(7, client.Statistics.ImageFeatureCacheHits);
    }

    [Fact]
    public async Task Cache_capacity_zero_runs_the_vision_graph_every_time()
    {
        using var client = new PaliGemmaChatClient(models.Pg2, new PaliGemmaChatClientOptions { ImageFeatureCacheCapacity = 0 });
        var image = TestImages.Png(6);
        await client.GetResponseAsync(Ask("ocr", image), new ChatOptions { MaxOutputTokens = 1 });
        await client.GetResponseAsync(Ask("ocr", image), new ChatOptions { MaxOutputTokens = 1 });

        Assert.Equal(2, client.Statistics.VisionEncoderRuns);
        Assert.Equal(0, client.Statistics.ImageFeatureCacheHits);
    }
}
