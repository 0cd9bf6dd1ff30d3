using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>
/// Issue 22 item 1: the image header is read once per request. A chat request opens the image once (the decode reads
/// the header); a Semantic Kernel tool call identifies it once in the reference resolver and carries that header with
/// the <see cref="DataContent"/> to the tool's result and to <see cref="PaliGemmaVision"/>'s pixel coordinates, so the
/// only other opening is the decode itself (none when the features are cached).
/// </summary>
public sealed class HeaderReadCountTests : IDisposable
{
    private readonly PaliGemmaChatClient _uncached = PaliGemmaChatClient.Load(
        AgentModelFixture.Folder, options: new PaliGemmaChatClientOptions { ImageFeatureCacheCapacity = 0 });

    public void Dispose() => _uncached.Dispose();

    [Fact]
    public async Task A_chat_request_reads_the_header_once()
    {
        var message = new ChatMessage(ChatRole.User, [new TextContent("caption en"), new DataContent(AgentModelFixture.SceneBytes, "image/png")]);
        var reads = ImageHeaderReads.Start();
        ChatResponse response = await _uncached.GetResponseAsync([message], new ChatOptions { MaxOutputTokens = 2 });
        Assert.NotNull(response.Text);
        Assert.Equal(1, reads.Value);
    }

    [Fact]
    public async Task A_text_tool_call_identifies_the_header_once_and_decodes_once()
    {
        // A host's own DataContent (not made by the intake): the resolver reads its header once.
        var store = new InMemoryImageStore();
        string id = store.Add(new DataContent(AgentModelFixture.SceneBytes, "image/png"));
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(_uncached, new PaliGemmaVisionOptions { MaxOutputTokens = 2 }), new ImageReferenceResolver(store));

        var reads = ImageHeaderReads.Start();
        TextToolResult result = await tools.CaptionAsync(id);
        Assert.Null(result.Error);
        Assert.Equal((320, 240), (result.ImageWidth, result.ImageHeight));
        Assert.Equal(2, reads.Value); // resolver + decode; the tool's size comes from the resolver's header
    }

    [Fact]
    public async Task Bytes_registered_with_the_store_are_identified_at_registration_and_the_tool_call_only_decodes()
    {
        var store = new InMemoryImageStore();
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(_uncached, new PaliGemmaVisionOptions { MaxOutputTokens = 2 }), new ImageReferenceResolver(store));

        var reads = ImageHeaderReads.Start();
        string id = store.Add(AgentModelFixture.SceneBytes);
        Assert.Equal(1, reads.Value); // PaliGemmaImageContent.FromBytes checks the image when it is registered
        TextToolResult result = await tools.CaptionAsync(id);
        Assert.Null(result.Error);
        Assert.Equal((320, 240), (result.ImageWidth, result.ImageHeight));
        Assert.Equal(2, reads.Value); // + the decode; resolver and tool reuse the registration's header
    }

    [Fact]
    public async Task A_detect_tool_call_on_a_data_uri_identifies_the_header_once_and_decodes_once()
    {
        string dataUri = "data:image/png;base64," + Convert.ToBase64String(AgentModelFixture.SceneBytes);
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(_uncached, new PaliGemmaVisionOptions { MaxOutputTokens = 2 }), new ImageReferenceResolver());

        var reads = ImageHeaderReads.Start();
        DetectToolResult result = await tools.DetectAsync("cat", dataUri);
        Assert.Null(result.Error);
        Assert.Equal((320, 240), (result.ImageWidth, result.ImageHeight));
        Assert.Equal(2, reads.Value); // resolver + decode; PaliGemmaVision's pixel coordinates use the resolver's header
    }

    [Fact]
    public async Task With_cached_features_a_repeated_tool_call_reads_no_header()
    {
        var store = new InMemoryImageStore();
        string id = store.Add(AgentModelFixture.SceneBytes);
        using var cached = PaliGemmaChatClient.Load(AgentModelFixture.Folder);
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(cached, new PaliGemmaVisionOptions { MaxOutputTokens = 2 }), new ImageReferenceResolver(store));
        Assert.Null((await tools.CaptionAsync(id)).Error);

        var reads = ImageHeaderReads.Start();
        TextToolResult again = await tools.CaptionAsync(id);
        Assert.Null(again.Error);
        Assert.Equal(0, reads.Value); // the stored content carries its header; the features come from the cache
    }

    [Fact]
    public void Contents_the_intake_did_not_identify_are_read_and_their_header_is_not_taken_from_elsewhere()
    {
        // Two contents with the same bytes: each object is identified on its own (the header is keyed by the object).
        var first = new DataContent(AgentModelFixture.SceneBytes, "image/png");
        var second = new DataContent(AgentModelFixture.SceneBytes, "image/png");
        var reads = ImageHeaderReads.Start();
        Assert.Equal(320, PaliGemmaImageProcessor.Identify(first).Width);
        Assert.Equal(320, PaliGemmaImageProcessor.Identify(first).Width);
        Assert.Equal(1, reads.Value);
        Assert.Equal(240, PaliGemmaImageProcessor.Identify(second).Height);
        Assert.Equal(2, reads.Value);

        // The encoded-size limit is checked on every call, also for a remembered header.
        Assert.Throws<PaliGemmaImageException>(() => PaliGemmaImageProcessor.Identify(first, new ImageLoadOptions { MaxEncodedBytes = 100 }));
    }
}
