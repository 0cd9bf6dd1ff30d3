using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Mcp;

/// <summary>One <c>paligemma mcp</c> process (tiny model, one allowed root holding scene.png) shared by a test class.</summary>
public sealed class McpServerFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("pg-mcp-").FullName;

    public McpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllBytes(Path.Combine(_root, "scene.png"), AgentModelFixture.SceneBytes);
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "paligemma",
            Command = "dotnet",
            Arguments = [CliLocator.CliDll, "mcp", "--model", AgentModelFixture.Folder, "--allowed-root", _root],
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>The real <c>paligemma mcp</c> process over stdio, driven by the MCP SDK's client.</summary>
public sealed class McpServerTests : IClassFixture<McpServerFixture>
{
    private readonly McpClient _client;

    public McpServerTests(McpServerFixture fixture) => _client = fixture.Client;

    [Fact]
    public async Task Lists_five_read_only_idempotent_tools_with_output_schemas()
    {
        IList<McpClientTool> tools = await _client.ListToolsAsync();

        Assert.Equal(["answer", "caption", "detect", "ocr", "segment"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (McpClientTool tool in tools)
        {
            Tool t = tool.ProtocolTool;
            Assert.False(string.IsNullOrWhiteSpace(t.Description));
            Assert.True(t.Annotations?.ReadOnlyHint, t.Name);
            Assert.True(t.Annotations?.IdempotentHint, t.Name);
            Assert.False(t.Annotations?.DestructiveHint ?? true, t.Name);
            Assert.NotNull(t.OutputSchema);
            Assert.Contains("image", t.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        }

        JsonElement detectSchema = tools.Single(t => t.Name == "detect").ProtocolTool.OutputSchema!.Value;
        JsonElement properties = detectSchema.GetProperty("properties");
        foreach (string name in new[] { "error", "code", "imageWidth", "imageHeight", "objects", "rawText" })
        {
            Assert.True(properties.TryGetProperty(name, out _), name);
        }
    }

    [Fact]
    public async Task Detect_on_an_allowed_file_returns_structured_content()
    {
        CallToolResult result = await _client.CallToolAsync("detect", new Dictionary<string, object?> { ["image"] = "scene.png", ["labels"] = "car, tree" });

        Assert.NotEqual(true, result.IsError);
        JsonElement json = Assert.NotNull(result.StructuredContent);
        Assert.Equal(320, json.GetProperty("imageWidth").GetInt32());
        Assert.Equal(240, json.GetProperty("imageHeight").GetInt32());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("objects").ValueKind);
        Assert.NotEmpty(json.GetProperty("rawText").GetString()!);
        Assert.False(json.TryGetProperty("error", out _));

        // The text block carries the same JSON; an annotated PNG follows exactly when there are objects to draw.
        TextContentBlock text = Assert.IsType<TextContentBlock>(result.Content[0]);
        Assert.Equal(json.GetRawText(), JsonDocument.Parse(text.Text).RootElement.GetRawText());
        int objects = json.GetProperty("objects").GetArrayLength();
        Assert.Equal(objects > 0 ? 2 : 1, result.Content.Count);
        if (objects > 0)
        {
            ImageContentBlock image = Assert.IsType<ImageContentBlock>(result.Content[1]);
            Assert.Equal("image/png", image.MimeType);
        }
    }

    [Fact]
    public async Task A_tool_call_with_a_progress_token_gets_a_progress_notification_for_each_stage()
    {
        var reports = new System.Collections.Concurrent.ConcurrentQueue<ModelContextProtocol.ProgressNotificationValue>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var token = new ProgressToken(Guid.NewGuid().ToString("N"));

        // The client hands each incoming message to its own task, so the two notifications (sent before the result) can
        // reach a handler after the result has completed the call. The SDK's per-call progress handler is removed at that
        // point and would drop them; this handler stays registered until both arrived (or the wait below ends).
        await using (_client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            if (JsonSerializer.Deserialize<ProgressNotificationParams>(notification.Params, ModelContextProtocol.McpJsonUtilities.DefaultOptions) is { } p
                && p.ProgressToken == token)
            {
                reports.Enqueue(p.Progress);
                if (reports.Count >= 2)
                {
                    all.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        }))
        {
            CallToolResult result = await _client.CallToolAsync(new CallToolRequestParams
            {
                Name = "detect",
                Arguments = new Dictionary<string, JsonElement>
                {
                    ["image"] = JsonSerializer.SerializeToElement("scene.png"),
                    ["labels"] = JsonSerializer.SerializeToElement("car"),
                },
                Meta = new System.Text.Json.Nodes.JsonObject { ["progressToken"] = token.ToString() },
            });
            // The result itself says "done": a notification sent after the work would race the result.
            await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.NotEqual(true, result.IsError);
        }

        string seen = string.Join(", ", reports.Select(r => $"{r.Progress}/{r.Total} {r.Message}"));
        Assert.True(reports.Count == 2, $"progress notifications received: [{seen}]");
        var ordered = reports.OrderBy(r => r.Progress).ToList();
        Assert.Equal([0f, 1f], ordered.Select(r => r.Progress));
        Assert.All(ordered, r => Assert.Equal(2f, r.Total));
        Assert.Equal(["reading the image", "detecting"], ordered.Select(r => r.Message));
    }

    [Fact]
    public async Task Segment_with_a_data_uri_returns_structured_content()
    {
        string uri = "data:image/png;base64," + Convert.ToBase64String(AgentModelFixture.SceneBytes);
        CallToolResult result = await _client.CallToolAsync("segment", new Dictionary<string, object?> { ["image"] = uri, ["labels"] = "car" });

        Assert.NotEqual(true, result.IsError);
        JsonElement json = Assert.NotNull(result.StructuredContent);
        Assert.Equal(320, json.GetProperty("imageWidth").GetInt32());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("objects").ValueKind);
    }

    [Theory]
    [InlineData("../etc/passwd", "image_not_found")]
    [InlineData("/etc/passwd", "image_not_found")]
    [InlineData("https://example.com/cat.png", "url_not_allowed")]
    [InlineData("missing.png", "image_not_found")]
    public async Task Refused_references_are_tool_errors_with_a_code(string image, string code)
    {
        CallToolResult result = await _client.CallToolAsync("caption", new Dictionary<string, object?> { ["image"] = image });

        Assert.True(result.IsError);
        JsonElement json = Assert.NotNull(result.StructuredContent);
        Assert.Equal(code, json.GetProperty("code").GetString());
        string error = json.GetProperty("error").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain(Path.GetTempPath(), error, StringComparison.Ordinal);
    }
}
