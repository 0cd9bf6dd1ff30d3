using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>The typed endpoints return the agent tools' JSON (JSON or multipart in), or the annotated PNG.</summary>
public sealed class VisionEndpointTests : IClassFixture<SharedSceneServer>
{
    private static readonly IReadOnlyDictionary<string, string> Expected = ReadExpected();
    private readonly SceneServer _server;

    public VisionEndpointTests(SharedSceneServer shared) => _server = shared.Server;

    [Fact]
    public async Task Detect_returns_pixel_and_normalised_boxes_and_the_raw_text()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/vision/detect", $"{{\"image\":\"{SceneServer.SceneDataUri}\",\"labels\":[\"circle\",\"square\",\"triangle\",\"star\",\"hexagon\"]}}");
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Expected["detect circle ; square ; triangle ; star ; hexagon"], doc.RootElement.GetProperty("rawText").GetString());
        JsonElement first = doc.RootElement.GetProperty("objects")[0];
        Assert.Equal("circle", first.GetProperty("label").GetString());
        Assert.Equal(first.GetProperty("box").GetProperty("right").GetDouble() / 224, first.GetProperty("normalizedBox").GetProperty("right").GetDouble(), 3);
    }

    [Fact]
    public async Task Segment_from_a_multipart_upload_returns_an_RLE_mask()
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(SceneServer.ScenePng);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "shapes.png");
        form.Add(new StringContent("circle"), "labels");
        using HttpResponseMessage response = await _server.Http.PostAsync(new Uri("v1/vision/segment", UriKind.Relative), form);
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Expected["segment circle"], doc.RootElement.GetProperty("rawText").GetString());
        JsonElement mask = doc.RootElement.GetProperty("objects")[0].GetProperty("mask");
        Assert.Equal("coco_rle", mask.GetProperty("format").GetString());
        Assert.Equal(224 * 224, mask.GetProperty("counts").EnumerateArray().Sum(c => c.GetInt32()));
    }

    [Theory]
    [InlineData("caption", "", "caption en")]
    [InlineData("ocr", "", "ocr")]
    [InlineData("answer", ",\"question\":\"how many circles?\"", "answer en how many circles?")]
    public async Task Text_tasks_return_the_models_text(string task, string extra, string prompt)
    {
        using HttpResponseMessage response = await _server.PostJsonAsync($"v1/vision/{task}", $"{{\"image\":\"{SceneServer.SceneDataUri}\"{extra}}}");
        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Expected[prompt], doc.RootElement.GetProperty("rawText").GetString());
        Assert.Equal(224, doc.RootElement.GetProperty("imageHeight").GetInt32());
    }

    [Fact]
    public async Task Annotate_returns_a_PNG_of_the_scene_size()
    {
        using HttpResponseMessage response = await _server.PostJsonAsync("v1/vision/detect?annotate=true", $"{{\"image\":\"{SceneServer.SceneDataUri}\",\"labels\":\"circle, square\"}}");
        byte[] png = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var info = PaliGemma.AI.PaliGemmaImageProcessor.Identify(png);
        Assert.Equal((224, 224), (info.Width, info.Height));
        Assert.NotEqual(SceneServer.ScenePng, png);
    }

    private static Dictionary<string, string> ReadExpected()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("tests", "Fixtures", "scene-model", "expected.json")));
        return doc.RootElement.GetProperty("answers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
