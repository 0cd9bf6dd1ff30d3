using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>The playground's files and the request figures the page shows (without a browser).</summary>
public sealed class PlaygroundEndpointTests : IClassFixture<SharedSceneServer>
{
    private static readonly string Wwwroot = RepositoryPaths.Combine("src", "PaliGemma.AspNetCore", "Playground", "wwwroot");
    private readonly SceneServer _server;

    public PlaygroundEndpointTests(SharedSceneServer shared) => _server = shared.Server;

    [Theory]
    [InlineData("", "index.html", "text/html")]
    [InlineData("playground/playground.js", "playground.js", "text/javascript")]
    [InlineData("playground/playground.css", "playground.css", "text/css")]
    [InlineData("playground/favicon.svg", "favicon.svg", "image/svg+xml")]
    public async Task The_page_and_its_files_are_served_from_the_assembly_with_a_strict_policy(string path, string file, string mediaType)
    {
        using HttpResponseMessage response = await _server.Http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Wwwroot, file)), await response.Content.ReadAsByteArrayAsync());
        string policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task The_page_references_only_files_of_this_server_and_has_no_inline_script_or_style()
    {
        string html = await _server.Http.GetStringAsync(new Uri("", UriKind.Relative));

        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase), html); // no inline event handlers

        // Every script of the page is a file of this server, or JSON data (which the browser does not run).
        foreach (string script in html.Split("<script").Skip(1))
        {
            string tag = script[..script.IndexOf('>', StringComparison.Ordinal)];
            Assert.True(tag.Contains("src=\"/playground/", StringComparison.Ordinal) || tag.Contains("type=\"application/json\"", StringComparison.Ordinal), tag);
        }

        // The bundled example scenes the page offers are served.
        foreach (string example in html.Split("data-example=\"").Skip(1).Select(s => s[..s.IndexOf('"', StringComparison.Ordinal)]))
        {
            using HttpResponseMessage image = await _server.Http.GetAsync(new Uri("playground/examples/" + example, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        }
    }

    [Fact]
    public async Task The_bundled_scene_is_the_one_of_the_samples()
    {
        byte[] served = await _server.Http.GetByteArrayAsync(new Uri("playground/examples/shapes.png", UriKind.Relative));
        Assert.Equal(SceneServer.ScenePng, served);
    }

    [Theory]
    [InlineData("playground/missing.js")]
    [InlineData("playground/../PaliGemma.AspNetCore.dll")]
    [InlineData("playground/%2e%2e/appsettings.json")]
    [InlineData("playground/examples")]
    public async Task Unknown_files_are_404(string path)
    {
        using HttpResponseMessage response = await _server.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task An_unchanged_file_answers_304_to_its_etag()
    {
        using HttpResponseMessage first = await _server.Http.GetAsync(new Uri("playground/playground.js", UriKind.Relative));
        var again = new HttpRequestMessage(HttpMethod.Get, new Uri("playground/playground.js", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using HttpResponseMessage second = await _server.Http.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_playground_can_be_turned_off()
    {
        await using SceneServer server = await SceneServer.StartAsync(server: o => o.EnablePlayground = false);
        using HttpResponseMessage page = await server.Http.GetAsync(new Uri("", UriKind.Relative));
        using HttpResponseMessage script = await server.Http.GetAsync(new Uri("playground/playground.js", UriKind.Relative));
        using HttpResponseMessage models = await server.Http.GetAsync(new Uri("v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }

    [Fact]
    public async Task Chat_completions_carry_the_request_figures_and_the_second_look_at_an_image_hits_the_cache()
    {
        string body = SceneServer.ChatBody("caption en", maxTokens: 64, extra: ",\"seed\":7");
        using JsonDocument first = await CompleteAsync(body);
        using JsonDocument second = await CompleteAsync(body);

        JsonElement usage = second.RootElement.GetProperty("usage");
        JsonElement metrics = second.RootElement.GetProperty("paligemma_metrics");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), metrics.GetProperty("input_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), metrics.GetProperty("output_tokens").GetInt32());
        Assert.True(metrics.GetProperty("image_cache_hit").GetBoolean());
        Assert.True(metrics.GetProperty("output_tokens").GetInt32() > 1);
        double ttft = metrics.GetProperty("time_to_first_token_ms").GetDouble();
        double duration = metrics.GetProperty("duration_ms").GetDouble();
        Assert.InRange(ttft, metrics.GetProperty("vision_ms").GetDouble(), duration);
        double rate = metrics.GetProperty("output_tokens_per_second").GetDouble();
        Assert.Equal((metrics.GetProperty("output_tokens").GetInt32() - 1) / ((duration - ttft) / 1000), rate, 0.05 * rate);
        Assert.True(first.RootElement.GetProperty("paligemma_metrics").TryGetProperty("image_cache_hit", out _));
    }

    [Fact]
    public async Task A_streamed_completion_puts_the_figures_on_the_finish_chunk()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 64, stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"));
        string text = await response.Content.ReadAsStringAsync();
        JsonElement[] chunks = [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..]).Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement)];

        JsonElement finish = chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        JsonElement usage = chunks.Last().GetProperty("usage");
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), finish.GetProperty("paligemma_metrics").GetProperty("output_tokens").GetInt32());
        Assert.Single(chunks, c => c.TryGetProperty("paligemma_metrics", out _));
    }

    [Fact]
    public async Task Typed_results_carry_metrics_and_errors_do_not()
    {
        using HttpResponseMessage ok = await _server.PostJsonAsync("v1/vision/detect", $"{{\"image\":\"{SceneServer.SceneDataUri}\",\"labels\":\"circle, square\"}}");
        using HttpResponseMessage refused = await _server.PostJsonAsync("v1/vision/detect", $"{{\"image\":\"{SceneServer.SceneDataUri}\",\"labels\":\"circle <loc0000>\"}}");
        using JsonDocument result = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        using JsonDocument error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(result.RootElement.GetProperty("objects").GetArrayLength() > 0);

        // The same prompt through chat completions: the same tokens in and out (greedy).
        using JsonDocument chat = await CompleteAsync(SceneServer.ChatBody("detect circle ; square", maxTokens: 256));
        JsonElement metrics = result.RootElement.GetProperty("metrics");
        Assert.Equal(chat.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), metrics.GetProperty("input_tokens").GetInt32());
        Assert.Equal(chat.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), metrics.GetProperty("output_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_argument", error.RootElement.GetProperty("code").GetString());
        Assert.False(error.RootElement.TryGetProperty("metrics", out _));
    }

    private async Task<JsonDocument> CompleteAsync(string body)
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(), default);
    }
}
