using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaliGemma.AI;
using PaliGemma.AspNetCore;
using PaliGemma.Onnx.Bundled;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>
/// A real Kestrel server on a loopback port (127.0.0.1:0) serving the bundled, trained scene model
/// (<c>paligemma2-tiny-scenes</c>, converted once into the test output folder and reused while unchanged).
/// </summary>
public sealed class SceneServer : IAsyncDisposable
{
    // fp32: the expected answers (tests/Fixtures/scene-model/expected.json) are the PyTorch reference's greedy tokens,
    // which the fp32 conversion reproduces token for token; the CPU default (an int4 mix) may differ in a loc token.
    private static readonly Lazy<string> Folder = new(() =>
        SceneModel.EnsureModelFolder(Path.Combine(AppContext.BaseDirectory, "scene-model-cache"), RepositoryPaths.Combine("models", SceneModel.Name), precision: PaliGemma.Onnx.Graphs.ModelPrecision.Float32));

    private SceneServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Gets the converted model folder.</summary>
    public static string ModelFolder => Folder.Value;

    /// <summary>Gets the bundled scene (samples/AgentDemo/assets/shapes.png).</summary>
    public static byte[] ScenePng { get; } = File.ReadAllBytes(RepositoryPaths.Combine("samples", "AgentDemo", "assets", "shapes.png"));

    /// <summary>Gets the scene as a data: URI.</summary>
    public static string SceneDataUri { get; } = "data:image/png;base64," + Convert.ToBase64String(ScenePng);

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Starts a server; <paramref name="pipeline"/> may wrap the chat client (outermost first).</summary>
    public static async Task<SceneServer> StartAsync(
        Action<PaliGemmaOptions>? model = null,
        Action<PaliGemmaServerOptions>? server = null,
        Func<IChatClient, IChatClient>? pipeline = null,
        Action<WebApplication>? map = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        ChatClientBuilder chat = builder.Services.AddPaliGemma(o =>
        {
            o.ModelPath = ModelFolder;
            o.MaxConcurrency = 2;
            o.MaxQueueLength = 64;
            model?.Invoke(o);
        });
        if (pipeline is not null)
        {
            chat.Use(pipeline);
        }

        builder.Services.AddPaliGemmaServer(server);
        WebApplication app = builder.Build();
        app.MapPaliGemma();
        map?.Invoke(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var started = new SceneServer(app, new Uri(address + "/"));
        await started.WaitReadyAsync();
        return started;
    }

    /// <summary>Polls <c>/readyz</c> until the model is loaded (at most 60 s).</summary>
    public async Task WaitReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            using HttpResponseMessage response = await Http.GetAsync(new Uri("readyz", UriKind.Relative), timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Posts JSON text to <paramref name="path"/>.</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, string? apiKey = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>A chat-completions body with the scene and <paramref name="prompt"/>.</summary>
    public static string ChatBody(string prompt, int maxTokens = 8, bool stream = false, string extra = "") =>
        $$$"""{"model":"paligemma","stream":{{{(stream ? "true" : "false")}}},"max_tokens":{{{maxTokens}}},"temperature":0{{{extra}}},"messages":[{"role":"user","content":[{"type":"text","text":"{{{prompt}}}"},{"type":"image_url","image_url":{"url":"{{{SceneDataUri}}}"}}]}]}""";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}

/// <summary>One default server shared by a test class.</summary>
public sealed class SharedSceneServer : IAsyncLifetime
{
    public SceneServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SceneServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
