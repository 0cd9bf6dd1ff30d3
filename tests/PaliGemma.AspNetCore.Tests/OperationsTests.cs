using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.Client;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>Issue 28's acceptance: 401 (API key), 413 (body limit), 429 (queue full), 503 while shutting down, health checks.</summary>
public sealed class OperationsTests
{
    [Fact]
    public async Task The_API_key_is_required_everywhere_but_the_health_checks()
    {
        await using SceneServer server = await SceneServer.StartAsync(server: o => o.ApiKey = "s3cret-key");

        using HttpResponseMessage none = await server.Http.GetAsync(new Uri("v1/models", UriKind.Relative));
        using HttpResponseMessage wrong = await Send(server, "v1/models", "s3cret-kez");
        using HttpResponseMessage shorter = await Send(server, "v1/models", "s3cret");
        using HttpResponseMessage right = await Send(server, "v1/models", "s3cret-key");
        using HttpResponseMessage vision = await server.PostJsonAsync("v1/vision/ocr", $"{{\"image\":\"{SceneServer.SceneDataUri}\"}}");
        using HttpResponseMessage mcp = await server.PostJsonAsync("mcp", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        using HttpResponseMessage health = await server.Http.GetAsync(new Uri("healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("invalid_api_key", await ErrorCode(none));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, shorter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, vision.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, mcp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        // The MCP client gets in with the key.
        await using var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(server.BaseAddress, "mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer s3cret-key" },
        });
        await using McpClient client = await McpClient.CreateAsync(transport);
        Assert.Equal(5, (await client.ListToolsAsync()).Count);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_with_or_without_a_content_length()
    {
        await using SceneServer server = await SceneServer.StartAsync(server: o => o.MaxRequestBytes = 64 * 1024);
        string big = SceneServer.ChatBody("caption en").Replace("caption en", new string('x', 100 * 1024), StringComparison.Ordinal);

        using HttpResponseMessage sized = await server.PostJsonAsync("v1/chat/completions", big);
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/chat/completions", UriKind.Relative))
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(big))),
        };
        chunkedRequest.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        chunkedRequest.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage chunked = await server.Http.SendAsync(chunkedRequest);
        using HttpResponseMessage small = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 2));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, sized.StatusCode);
        Assert.Equal("request_too_large", await ErrorCode(sized));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task A_full_queue_gets_429_with_Retry_After_and_the_held_request_still_completes()
    {
        HoldingChatClient? holder = null;
        await using SceneServer server = await SceneServer.StartAsync(
            model: o => { o.MaxConcurrency = 1; o.MaxQueueLength = 0; },
            server: o => o.RetryAfter = TimeSpan.FromSeconds(2),
            pipeline: inner => holder = new HoldingChatClient(inner));
        _ = server.App.Services.GetRequiredKeyedService<IChatClient>("paligemma");
        holder!.Arm();

        using HttpResponseMessage held = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 6, stream: true));
        await holder.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using HttpResponseMessage chat = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en"));
        using HttpResponseMessage vision = await server.PostJsonAsync("v1/vision/ocr", $"{{\"image\":\"{SceneServer.SceneDataUri}\"}}");
        holder.Release();
        string heldBody = await held.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, chat.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), chat.Headers.RetryAfter?.Delta);
        Assert.Equal("queue_full", await ErrorCode(chat));
        Assert.Equal(HttpStatusCode.TooManyRequests, vision.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), vision.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", heldBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_stopping_new_requests_get_503_and_the_one_in_flight_finishes()
    {
        HoldingChatClient? holder = null;
        SceneServer server = await SceneServer.StartAsync(pipeline: inner => holder = new HoldingChatClient(inner), server: o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        _ = server.App.Services.GetRequiredKeyedService<IChatClient>("paligemma");
        holder!.Arm();
        using HttpResponseMessage held = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 6, stream: true));
        await holder.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        using HttpResponseMessage refused = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en"));
        using HttpResponseMessage ready = await server.Http.GetAsync(new Uri("readyz", UriKind.Relative));
        using HttpResponseMessage alive = await server.Http.GetAsync(new Uri("healthz", UriKind.Relative));
        Task stopping = server.App.StopAsync();
        holder.Release();
        string heldBody = await held.Content.ReadAsStringAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await server.DisposeAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("shutting_down", await ErrorCode(refused));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", heldBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_server_options_fail_at_start_naming_the_option()
    {
        var ex = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => SceneServer.StartAsync(server: o => o.MaxRequestBytes = 10));

        Assert.Contains("MaxRequestBytes", ex.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> Send(SceneServer server, string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return server.Http.SendAsync(request);
    }

    private static async Task<string?> ErrorCode(HttpResponseMessage response)
    {
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
