using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>
/// With <c>AllowedUrlHosts</c> set, http(s) images of those hosts are fetched (the vision tools' reader: no redirects,
/// size cap); other hosts and redirects are refused with 400 naming the field.
/// </summary>
public sealed class ImageUrlTests
{
    [Fact]
    public async Task Images_of_an_allowed_host_are_fetched_and_redirects_are_refused()
    {
        await using WebApplication images = await StartImageHostAsync();
        var imageHost = new Uri(images.Urls.Single());
        await using SceneServer server = await SceneServer.StartAsync(
            server: o =>
            {
                // The image host is plain http on loopback: the entry names its port, and both opt-ins are needed.
                o.AllowedUrlHosts.Add(imageHost.Authority);
                o.AllowInsecureUrls = true;
                o.AllowPrivateNetworkUrls = true;
            });
        string url = new Uri(imageHost, "img/shapes.png").AbsoluteUri;
        string moved = new Uri(imageHost, "img/moved.png").AbsoluteUri;
        string other = url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

        using HttpResponseMessage byData = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 16));
        using HttpResponseMessage byUrl = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 16).Replace(SceneServer.SceneDataUri, url, StringComparison.Ordinal));
        using HttpResponseMessage redirected = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en").Replace(SceneServer.SceneDataUri, moved, StringComparison.Ordinal));
        using HttpResponseMessage otherHost = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en").Replace(SceneServer.SceneDataUri, other, StringComparison.Ordinal));
        using HttpResponseMessage vision = await server.PostJsonAsync("v1/vision/ocr", $"{{\"image\":\"{url}\"}}");

        Assert.True(byUrl.StatusCode == HttpStatusCode.OK, await byUrl.Content.ReadAsStringAsync());
        Assert.Equal(Text(await byData.Content.ReadAsStringAsync()), Text(await byUrl.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, redirected.StatusCode);
        Assert.Equal(("messages[0].content[1].image_url.url", "url_not_allowed"), await Error(redirected));
        Assert.Equal(HttpStatusCode.BadRequest, otherHost.StatusCode);
        Assert.Equal(("messages[0].content[1].image_url.url", "url_not_allowed"), await Error(otherHost));
        Assert.Equal(HttpStatusCode.OK, vision.StatusCode);
    }

    [Fact]
    public async Task An_allowed_host_on_loopback_over_http_is_refused_without_the_opt_ins()
    {
        await using WebApplication images = await StartImageHostAsync();
        var imageHost = new Uri(images.Urls.Single());
        await using SceneServer server = await SceneServer.StartAsync(server: o => o.AllowedUrlHosts.Add(imageHost.Authority));
        string url = new Uri(imageHost, "img/shapes.png").AbsoluteUri;

        using HttpResponseMessage byUrl = await server.PostJsonAsync("v1/chat/completions", SceneServer.ChatBody("caption en", maxTokens: 16).Replace(SceneServer.SceneDataUri, url, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, byUrl.StatusCode);
        Assert.Equal("messages[0].content[1].image_url.url", (await Error(byUrl)).Item1);
    }

    /// <summary>A second loopback server (its own port) that serves the scene and a redirect to it.</summary>
    private static async Task<WebApplication> StartImageHostAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.MapGet("/img/shapes.png", () => Results.Bytes(SceneServer.ScenePng, "image/png"));
        app.MapGet("/img/moved.png", () => Results.Redirect("/img/shapes.png"));
        await app.StartAsync();
        return app;
    }

    private static string Text(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private static async Task<(string?, string?)> Error(HttpResponseMessage response)
    {
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = doc.RootElement.GetProperty("error");
        return (error.GetProperty("param").GetString(), error.GetProperty("code").GetString());
    }
}
