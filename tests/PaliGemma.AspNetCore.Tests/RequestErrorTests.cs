using System.Net;
using System.Text.Json;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>Issue 28's acceptance: requests the server cannot honour get 400 with an OpenAI-style body naming the field.</summary>
public sealed class RequestErrorTests : IClassFixture<SharedSceneServer>
{
    private readonly SceneServer _server;

    public RequestErrorTests(SharedSceneServer shared) => _server = shared.Server;

    private static string TwoImages => SceneServer.ChatBody("caption en").Replace(
        "{\"type\":\"text\",\"text\":\"caption en\"}",
        $"{{\"type\":\"text\",\"text\":\"caption en\"}},{{\"type\":\"image_url\",\"image_url\":{{\"url\":\"{SceneServer.SceneDataUri}\"}}}}",
        StringComparison.Ordinal);

    public static TheoryData<string, string, string?, string?> BadRequests() => new()
    {
        // name, body, expected param, expected code
        { "malformed JSON", "{\"messages\": [", "messages[0]", "invalid_json" },
        { "wrong type", "{\"messages\": [], \"max_tokens\": \"many\"}", "max_tokens", "invalid_json" },
        { "two images", TwoImages, "messages[0].content", "too_many_images" },
        { "tools", SceneServer.ChatBody("caption en", extra: ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]"), "tools", "unsupported_parameter" },
        { "n > 1", SceneServer.ChatBody("caption en", extra: ",\"n\":2"), "n", "unsupported_parameter" },
        { "JSON output", SceneServer.ChatBody("caption en", extra: ",\"response_format\":{\"type\":\"json_object\"}"), "response_format", "unsupported_parameter" },
        { "http image", SceneServer.ChatBody("caption en").Replace(SceneServer.SceneDataUri, "http://example.com/a.png", StringComparison.Ordinal), "messages[0].content[1].image_url.url", "url_not_allowed" },
        { "file image", SceneServer.ChatBody("caption en").Replace(SceneServer.SceneDataUri, "file:///etc/passwd", StringComparison.Ordinal), "messages[0].content[1].image_url.url", "invalid_image_url" },
        { "no image", "{\"messages\":[{\"role\":\"user\",\"content\":\"caption en\"}]}", "messages[0].content", "image_missing" },
        { "audio part", "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}", "messages[0].content[0].type", "unsupported_content" },
        { "max_tokens 0", SceneServer.ChatBody("caption en", maxTokens: 0), "max_tokens", null },
        { "empty adapter", SceneServer.ChatBody("caption en", extra: ",\"adapter\":\" \""), "adapter", null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Chat_completions_refuse_with_400_naming_the_field(string name, string body, string? param, string? code)
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", body);
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = doc.RootElement.GetProperty("error");

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {response.StatusCode}");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task An_adapter_the_model_does_not_have_is_400_naming_it()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", extra: ",\"adapter\":\"medical\""));
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'medical'", doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_the_model_cannot_take_is_400_not_500()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("detect <loc0001>"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Vision_endpoints_refuse_missing_arguments_and_urls_with_400()
    {
        using HttpResponseMessage noLabels = await _server.PostJsonAsync("v1/vision/detect", $"{{\"image\":\"{SceneServer.SceneDataUri}\"}}");
        using HttpResponseMessage url = await _server.PostJsonAsync("v1/vision/caption", "{\"image\":\"https://example.com/a.png\"}");
        using HttpResponseMessage path = await _server.PostJsonAsync("v1/vision/caption", "{\"image\":\"/etc/passwd\"}");
        using HttpResponseMessage annotateText = await _server.PostJsonAsync("v1/vision/caption?annotate=true", $"{{\"image\":\"{SceneServer.SceneDataUri}\"}}");

        Assert.Equal(HttpStatusCode.BadRequest, noLabels.StatusCode);
        Assert.Contains("labels", await noLabels.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, url.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, path.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, annotateText.StatusCode);
    }
}
