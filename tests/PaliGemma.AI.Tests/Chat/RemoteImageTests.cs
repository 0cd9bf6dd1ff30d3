using System.Net;
using Microsoft.Extensions.AI;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>http(s) images when the host opts in: fetched with the configured HttpClient and the byte limit.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class RemoteImageTests(ChatTestModels models)
{
    private static readonly byte[] Png = TestImages.Png(7);

    private sealed class StubHandler(HttpStatusCode status, byte[] body, bool declareLength = true) : HttpMessageHandler
    {
        public List<Uri> Requested { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested.Add(request.RequestUri!);
            HttpContent content = declareLength ? new ByteArrayContent(body) : new StreamContent(new ForwardOnlyStream(body));
            Assert.Equal(declareLength, content.Headers.ContentLength is not null);

            return Task.FromResult(new HttpResponseMessage(status) { Content = content });
        }
    }

    /// <summary>A stream of unknown length (like a chunked response), so only the read loop can enforce the limit.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }

    private static ChatMessage[] AskRemote() => Ask("ocr", new UriContent(new Uri("https://images.example/cat.png"), "image/png"));

    [Fact]
    public async Task Remote_image_is_fetched_with_the_configured_client_when_allowed()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Png);
        using var http = new HttpClient(handler);
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { AllowRemoteImages = true, AllowedImageHosts = { "images.example" }, HttpClient = http });
        var options = new ChatOptions { MaxOutputTokens = 4 };

        var remote = await client.GetResponseAsync(AskRemote(), options);
        var local = await client.GetResponseAsync(Ask("ocr", Png), options);

        Assert.Equal(local.Text, remote.Text);
        Assert.Equal([new Uri("https://images.example/cat.png")], handler.Requested);
        Assert.Equal(1, client.Statistics.ImageFeatureCacheHits); // same bytes, whichever way they came
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Remote_image_over_the_byte_limit_is_refused(bool declareLength)
    {
        using var http = new HttpClient(new StubHandler(HttpStatusCode.OK, new byte[5000], declareLength));
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions
        {
            AllowRemoteImages = true,
            AllowedImageHosts = { "images.example" },
            HttpClient = http,
            ImageLoadOptions = new ImageLoadOptions { MaxEncodedBytes = 1000 },
        });

        var ex = await Assert.ThrowsAsync<PaliGemmaImageException>(() => client.GetResponseAsync(AskRemote()));
        Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
        Assert.Contains("https://images.example/cat.png", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_image_from_a_host_off_the_allow_list_is_refused_without_a_request()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Png);
        using var http = new HttpClient(handler);
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { AllowRemoteImages = true, AllowedImageHosts = { "other.example" }, HttpClient = http });

        var ex = await Assert.ThrowsAsync<PaliGemmaImageException>(() => client.GetResponseAsync(AskRemote()));
        Assert.Equal(ImageErrorReason.RemoteNotAllowed, ex.Reason);
        Assert.Empty(handler.Requested);
    }

    [Fact]
    public async Task Http_error_names_the_uri_and_status()
    {
        using var http = new HttpClient(new StubHandler(HttpStatusCode.NotFound, []));
        using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { AllowRemoteImages = true, AllowedImageHosts = { "images.example" }, HttpClient = http });

        var ex = await Assert.ThrowsAsync<PaliGemmaImageException>(() => client.GetResponseAsync(AskRemote()));
        Assert.Equal(ImageErrorReason.RemoteFetchFailed, ex.Reason);
        Assert.Contains("HTTP 404", ex.Message, StringComparison.Ordinal);
        Assert.Contains("https://images.example/cat.png", ex.Message, StringComparison.Ordinal);
    }
}
