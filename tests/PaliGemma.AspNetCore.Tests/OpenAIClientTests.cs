using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using PaliGemma.AI;
using PaliGemma.Onnx.Bundled;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>
/// Issue 28's acceptance: an OpenAI <see cref="IChatClient"/> (Microsoft.Extensions.AI.OpenAI) pointed at the server on
/// a loopback port, wrapped in <see cref="PaliGemmaVision"/>, detects exactly what the in-process client detects on the
/// bundled scene, non-streaming and streaming.
/// </summary>
public sealed class OpenAIClientTests : IClassFixture<SharedSceneServer>, IDisposable
{
    private readonly SceneServer _server;
    private readonly PaliGemmaChatClient _local;

    public OpenAIClientTests(SharedSceneServer shared)
    {
        _server = shared.Server;
        _local = PaliGemmaChatClient.Load(SceneServer.ModelFolder);
    }

    public void Dispose() => _local.Dispose();

    private static DataContent Scene => new(SceneServer.ScenePng, "image/png");

    private IChatClient OpenAIChatClient() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.BaseAddress, "v1") })
            .GetChatClient("paligemma")
            .AsIChatClient();

    [Fact]
    public async Task PaliGemmaVision_over_the_OpenAI_client_detects_what_the_in_process_client_detects()
    {
        DetectionResult expected = await new PaliGemmaVision(_local).DetectAsync(Scene, SceneModel.Labels);
        using IChatClient remote = OpenAIChatClient();
        DetectionResult actual = await new PaliGemmaVision(remote).DetectAsync(Scene, SceneModel.Labels);

        Assert.NotEmpty(expected.Objects);
        Assert.Equal(expected.RawText, actual.RawText);
        Assert.Equal(expected.Objects.Select(o => (o.Label, o.Box)), actual.Objects.Select(o => (o.Label, o.Box)));
        Assert.Equal((expected.ImageWidth, expected.ImageHeight), (actual.ImageWidth, actual.ImageHeight));
    }

    [Fact]
    public async Task PaliGemmaVision_over_the_streaming_OpenAI_client_detects_what_the_in_process_client_detects()
    {
        DetectionResult expected = await new PaliGemmaVision(_local).DetectAsync(Scene, SceneModel.Labels);
        using var remote = new StreamingOnlyChatClient(OpenAIChatClient());
        DetectionResult actual = await new PaliGemmaVision(remote).DetectAsync(Scene, SceneModel.Labels);

        Assert.True(remote.Updates > 2, $"the answer came in {remote.Updates} streamed updates");
        Assert.NotEmpty(expected.Objects);
        Assert.Equal(expected.Objects.Select(o => (o.Label, o.Box)), actual.Objects.Select(o => (o.Label, o.Box)));
    }

    [Fact]
    public async Task Streamed_chunks_end_with_DONE_and_carry_finish_reason_and_usage()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 3, stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"));
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string[] events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        using JsonDocument usage = JsonDocument.Parse(events[^2]["data: ".Length..]);
        Assert.Equal(3, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        JsonElement counts = usage.RootElement.GetProperty("usage");
        Assert.True(counts.GetProperty("prompt_tokens").GetInt32() > 3, events[^2]);
        Assert.Equal(counts.GetProperty("prompt_tokens").GetInt32() + 3, counts.GetProperty("total_tokens").GetInt32());
        Assert.Empty(usage.RootElement.GetProperty("choices").EnumerateArray());
        using JsonDocument finish = JsonDocument.Parse(events[^3]["data: ".Length..]);
        Assert.Equal("length", finish.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task A_completion_carries_text_finish_reason_usage_and_model()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("detect circle", maxTokens: 64));
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = doc.RootElement;

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(SceneModel.Name, root.GetProperty("model").GetString());
        JsonElement choice = root.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Contains("<loc", choice.GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        JsonElement usage = root.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Models_lists_the_served_model()
    {
        using JsonDocument doc = JsonDocument.Parse(await _server.Http.GetStringAsync(new Uri("v1/models", UriKind.Relative)));

        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        Assert.Equal(SceneModel.Name, doc.RootElement.GetProperty("data")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Stop_sequences_temperature_seed_and_top_p_reach_the_model()
    {
        // Greedy "detect circle" writes <loc…> tokens; a stop sequence at the first '<' leaves nothing.
        using HttpResponseMessage stopped = await _server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("detect circle", maxTokens: 64, extra: ",\"stop\":[\"<\"]"));
        using JsonDocument doc = JsonDocument.Parse(await stopped.Content.ReadAsStringAsync());
        Assert.Equal(string.Empty, doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", doc.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        string sampled = SceneServer.ChatBody("caption en", maxTokens: 12).Replace("\"temperature\":0", "\"temperature\":1.5,\"top_p\":0.9,\"seed\":42", StringComparison.Ordinal);
        using HttpResponseMessage first = await _server.PostJsonAsync("v1/chat/completions", sampled);
        using HttpResponseMessage second = await _server.PostJsonAsync("v1/chat/completions", sampled);
        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(Text(await first.Content.ReadAsStringAsync()), Text(await second.Content.ReadAsStringAsync()));
    }

    private static string Text(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    /// <summary>Answers <see cref="IChatClient.GetResponseAsync"/> by streaming, so PaliGemmaVision goes through SSE.</summary>
    private sealed class StreamingOnlyChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public int Updates { get; private set; }

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (ChatResponseUpdate update in GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                updates.Add(update);
            }

            Updates = updates.Count;
            return updates.ToChatResponse();
        }
    }
}
