using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI.Tests.Chat;

namespace PaliGemma.AI.Tests.DependencyInjection;

/// <summary><c>AddPaliGemma</c> with a real tiny model folder.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class AddPaliGemmaTests(ChatTestModels models)
{
    private static readonly byte[] Png = TestImages.Png(4);

    [Fact]
    public async Task Resolves_a_working_chat_client_and_vision_service()
    {
        var services = new ServiceCollection();
        services.AddPaliGemma(o =>
        {
            o.ModelPath = models.PathOf("pg2");
            o.MaxConcurrency = 2;
            o.VisionMaxOutputTokens = 6;
        });
        await using var provider = services.BuildServiceProvider();

        var chat = provider.GetRequiredService<IChatClient>();
        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new TextContent("caption en"), new DataContent(Png, "image/png")])],
            new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(5, response.Usage!.OutputTokenCount);

        var vision = provider.GetRequiredService<IPaliGemmaVision>();
        var detection = await vision.DetectAsync(Png, ["cat"]);
        Assert.Equal(40, detection.ImageWidth);

        Assert.Same(chat, provider.GetRequiredKeyedService<IChatClient>(PaliGemmaServiceCollectionExtensions.ServiceKey));
        var model = provider.GetRequiredService<PaliGemmaModel>();
        Assert.Same(model, chat.GetService<PaliGemmaModel>());
        Assert.Equal("paligemma", chat.GetService<ChatClientMetadata>()!.ProviderName);
        Assert.Equal(1, chat.GetService<PaliGemmaChatClient>()!.Statistics.VisionEncoderRuns); // both requests, one image
    }

    [Fact]
    public async Task Returned_builder_adds_middleware_around_the_PaliGemma_client()
    {
        var services = new ServiceCollection();
        var seen = new List<int?>();
        services.AddPaliGemma(o => o.ModelPath = models.PathOf("pg1"))
            .ConfigureOptions(o => o.MaxOutputTokens ??= 3)
            .Use((messages, options, next, ct) =>
            {
                seen.Add(options?.MaxOutputTokens);
                return next(messages, options, ct);
            });
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<IChatClient>().GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new TextContent("ocr"), new DataContent(Png, "image/png")])]);

        Assert.Equal(3, response.Usage!.OutputTokenCount);
        Assert.Equal([3], seen);
    }

    [Fact]
    public void Model_is_a_lazily_loaded_singleton()
    {
        var services = new ServiceCollection();
        services.AddPaliGemma(o => o.ModelPath = models.PathOf("pg1"));
        using var provider = services.BuildServiceProvider();

        var models1 = Enumerable.Range(0, 4).AsParallel().Select(_ => provider.GetRequiredService<PaliGemmaModel>()).ToList();
        Assert.All(models1, m => Assert.Same(models1[0], m));
    }
}
