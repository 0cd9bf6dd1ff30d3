using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>Issue 28's acceptance: an MCP client over streamable HTTP lists and calls the five tools of <c>paligemma mcp</c>.</summary>
public sealed class McpOverHttpTests : IClassFixture<SharedSceneServer>
{
    private readonly SceneServer _server;

    public McpOverHttpTests(SharedSceneServer shared) => _server = shared.Server;

    [Fact]
    public async Task An_MCP_client_over_HTTP_lists_and_calls_the_five_tools()
    {
        await using var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(_server.BaseAddress, "mcp"), TransportMode = HttpTransportMode.StreamableHttp });
        await using McpClient client = await McpClient.CreateAsync(transport);

        IList<McpClientTool> tools = await client.ListToolsAsync();
        Assert.Equal(["answer", "caption", "detect", "ocr", "segment"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));

        string image = SceneServer.SceneDataUri;
        CallToolResult detect = await client.CallToolAsync("detect", new Dictionary<string, object?> { ["image"] = image, ["labels"] = "circle, square, triangle, star, hexagon" });
        CallToolResult segment = await client.CallToolAsync("segment", new Dictionary<string, object?> { ["image"] = image, ["labels"] = "circle" });
        CallToolResult caption = await client.CallToolAsync("caption", new Dictionary<string, object?> { ["image"] = image });
        CallToolResult ocr = await client.CallToolAsync("ocr", new Dictionary<string, object?> { ["image"] = image });
        CallToolResult answer = await client.CallToolAsync("answer", new Dictionary<string, object?> { ["image"] = image, ["question"] = "how many circles are there?" });

        foreach (CallToolResult r in new[] { detect, segment, caption, ocr, answer })
        {
            Assert.NotEqual(true, r.IsError);
            Assert.Equal(224, r.StructuredContent!.Value.GetProperty("imageWidth").GetInt32());
        }

        JsonElement objects = detect.StructuredContent!.Value.GetProperty("objects");
        Assert.True(objects.GetArrayLength() > 0);
        Assert.InRange(objects[0].GetProperty("normalizedBox").GetProperty("right").GetDouble(), 0, 1);
        Assert.Contains(detect.Content, c => c is ImageContentBlock { MimeType: "image/png" });
        Assert.Equal("coco_rle", segment.StructuredContent!.Value.GetProperty("objects")[0].GetProperty("mask").GetProperty("format").GetString());
        Assert.False(string.IsNullOrEmpty(caption.StructuredContent!.Value.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task A_tool_given_a_file_path_answers_a_tool_error_not_a_file()
    {
        await using var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(_server.BaseAddress, "mcp"), TransportMode = HttpTransportMode.StreamableHttp });
        await using McpClient client = await McpClient.CreateAsync(transport);

        CallToolResult result = await client.CallToolAsync("caption", new Dictionary<string, object?> { ["image"] = "/etc/passwd" });

        Assert.True(result.IsError);
        Assert.Equal("image_not_found", result.StructuredContent!.Value.GetProperty("code").GetString());
    }
}
