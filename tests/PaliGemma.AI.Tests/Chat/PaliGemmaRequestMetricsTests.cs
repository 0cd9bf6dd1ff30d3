using Microsoft.Extensions.AI;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>The per-request figures: on the last update, on the response, and to an observer of the calling flow.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class PaliGemmaRequestMetricsTests(ChatTestModels models)
{
    private static readonly byte[] Image = TestImages.Png(3);

    [Fact]
    public async Task The_last_update_carries_the_figures_the_usage_and_the_observer_agree_on()
    {
        using var client = new PaliGemmaChatClient(models.Get("pg2"));
        var observed = new List<PaliGemmaRequestMetrics>();
        List<ChatResponseUpdate> updates;
        using (PaliGemmaRequestMetrics.Observe(observed.Add))
        {
            updates = await CollectAsync(client.GetStreamingResponseAsync(Ask("caption en", Image), new ChatOptions { MaxOutputTokens = 6 }));
        }

        Assert.All(updates.Take(updates.Count - 1), u => Assert.Null(PaliGemmaRequestMetrics.From(u)));
        PaliGemmaRequestMetrics metrics = Assert.IsType<PaliGemmaRequestMetrics>(PaliGemmaRequestMetrics.From(updates[^1]));
        Assert.Same(metrics, Assert.Single(observed));
        UsageDetails usage = Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents)).Details;
        Assert.Equal(usage.InputTokenCount, metrics.InputTokens);
        Assert.Equal(usage.OutputTokenCount, metrics.OutputTokens);
        Assert.False(metrics.ImageFeaturesReused);
        Assert.NotNull(metrics.TimeToFirstToken);
        Assert.InRange(metrics.TimeToFirstToken.Value, metrics.QueueWait + metrics.ImageFeatures, metrics.Duration);
    }

    [Fact]
    public async Task The_response_keeps_the_figures_and_the_same_image_again_reuses_its_features()
    {
        using var client = new PaliGemmaChatClient(models.Get("pg1"));
        var options = new ChatOptions { MaxOutputTokens = 4 };

        ChatResponse first = await client.GetResponseAsync(Ask("caption en", Image), options);
        ChatResponse second = await client.GetResponseAsync(Ask("ocr", Image), options);

        Assert.False(PaliGemmaRequestMetrics.From(first)!.ImageFeaturesReused);
        Assert.True(PaliGemmaRequestMetrics.From(second)!.ImageFeaturesReused);
        Assert.Equal(second.Usage!.InputTokenCount, PaliGemmaRequestMetrics.From(second)!.InputTokens);
    }

    [Fact]
    public async Task Observers_nest_and_end_with_their_scope()
    {
        using var client = new PaliGemmaChatClient(models.Get("pg1"));
        var outer = new List<PaliGemmaRequestMetrics>();
        var inner = new List<PaliGemmaRequestMetrics>();
        var options = new ChatOptions { MaxOutputTokens = 2 };

        using (PaliGemmaRequestMetrics.Observe(outer.Add))
        {
            using (PaliGemmaRequestMetrics.Observe(inner.Add))
            {
                await client.GetResponseAsync(Ask("caption en", Image), options);
            }

            await client.GetResponseAsync(Ask("caption en", Image), options);
        }

        await client.GetResponseAsync(Ask("caption en", Image), options);
        Assert.Single(inner);
        Assert.Single(outer);
        Assert.NotSame(inner[0], outer[0]);
    }

    [Theory]
    [InlineData(1, 100, 200, null)]
    [InlineData(11, 100, 600, 20.0)]
    [InlineData(5, 100, 100, null)]
    public void The_decode_rate_counts_the_tokens_after_the_first(int outputTokens, int firstMs, int durationMs, double? expected)
    {
        var metrics = new PaliGemmaRequestMetrics(TimeSpan.Zero, TimeSpan.Zero, false, TimeSpan.FromMilliseconds(firstMs), TimeSpan.FromMilliseconds(durationMs), 10, outputTokens);
        Assert.Equal(expected, metrics.OutputTokensPerSecond);
    }

    [Fact]
    public void Properties_without_figures_give_null()
    {
        Assert.Null(PaliGemmaRequestMetrics.From((AdditionalPropertiesDictionary?)null));
        Assert.Null(PaliGemmaRequestMetrics.From(new ChatResponse(new ChatMessage(ChatRole.Assistant, "text"))));
        Assert.Null(PaliGemmaRequestMetrics.From(new AdditionalPropertiesDictionary { [PaliGemmaRequestMetrics.PropertyName] = "not metrics" }));
    }
}
