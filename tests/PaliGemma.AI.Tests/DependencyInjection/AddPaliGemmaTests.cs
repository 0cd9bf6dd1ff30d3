using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI.Runtime;
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
    public async Task Keyed_registration_leaves_the_default_chat_client_alone()
    {
        var services = new ServiceCollection();
        services.AddKeyedPaliGemma(o => o.ModelPath = models.PathOf("pg2"));
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.Null(provider.GetService<IChatClient>());
            var keyed = provider.GetRequiredKeyedService<IChatClient>(PaliGemmaServiceCollectionExtensions.ServiceKey);
            Assert.NotNull(keyed.GetService<PaliGemmaChatClient>());
            Assert.NotNull(provider.GetRequiredService<IPaliGemmaVision>());
        }

        // And with another default chat client registered first, that one stays the default.
        var other = new ServiceCollection();
        using var stub = new NoOpChatClient();
        other.AddSingleton<IChatClient>(stub);
        other.AddKeyedPaliGemma(o => o.ModelPath = models.PathOf("pg2"));
        await using var provider2 = other.BuildServiceProvider();
        Assert.Same(stub, provider2.GetRequiredService<IChatClient>());
        Assert.Single(other, d => d.ServiceType == typeof(IChatClient) && !d.IsKeyedService);
    }

    private sealed class NoOpChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse());

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            AsyncEnumerable.Empty<ChatResponseUpdate>();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
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
