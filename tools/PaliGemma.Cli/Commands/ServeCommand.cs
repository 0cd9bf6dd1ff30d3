using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma serve</c>: one model behind HTTP: the OpenAI-compatible chat completions, the typed vision endpoints,
/// MCP over streamable HTTP, health checks and the playground page (the endpoints of PaliGemma.AspNetCore).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The address served when <c>--urls</c> is left out (loopback only).</summary>
    public const string DefaultUrls = "http://127.0.0.1:8000";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<DirectoryInfo?> model = ModelOption.Create("The model folder (holding paligemma.json).");
        var urls = new Option<string>("--urls") { Description = $"The addresses to listen on, separated by ';' (default {DefaultUrls}; use http://0.0.0.0:PORT to accept other machines).", DefaultValueFactory = _ => DefaultUrls };
        var apiKeyFile = new Option<FileInfo?>("--api-key-file") { Description = "A file holding the API key clients must send as 'Authorization: Bearer KEY'. Without it no key is needed." };
        var maxConcurrency = new Option<int>("--max-concurrency") { Description = $"How many requests generate at once (default {PaliGemmaModelOptions.DefaultMaxBatchSize}: concurrent greedy requests share batched decode steps, up to that many per batch).", DefaultValueFactory = _ => PaliGemmaModelOptions.DefaultMaxBatchSize };
        var maxQueue = new Option<int>("--max-queue") { Description = "How many requests may wait for a slot; more get 429 with Retry-After (default 16).", DefaultValueFactory = _ => 16 };
        var maxRequestBytes = new Option<long>("--max-request-bytes") { Description = "The largest request body accepted, in bytes; larger ones get 413 (default 48 MiB).", DefaultValueFactory = _ => AspNetCore.PaliGemmaServerOptions.DefaultMaxRequestBytes };
        var hosts = new Option<string[]>("--allowed-url-host") { Description = "A host whose http(s) image URLs requests may name (repeatable). Without it only data: image URIs are accepted.", AllowMultipleArgumentsPerToken = true };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");
        var jsonLogs = new Option<bool>("--json-logs") { Description = "Write logs as JSON lines (one object per event, with its fields)." };
        var noPlayground = new Option<bool>("--no-playground") { Description = "Do not serve the playground page at / (by default it is served)." };
        var command = new Command("serve", "Serve a model over HTTP: a playground page at /, OpenAI-compatible /v1/chat/completions, typed /v1/vision/* endpoints, MCP at /mcp, /healthz and /readyz.")
        {
            model, urls, apiKeyFile, maxConcurrency, maxQueue, maxRequestBytes, hosts, provider, jsonLogs, noPlayground,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                string? key = parse.GetValue(apiKeyFile) is { } file ? ReadKey(file) : null;
                var settings = new ServeSettings(
                    ModelOption.Resolve(parse.GetValue(model), Console.Error),
                    parse.GetValue(urls)!,
                    key,
                    parse.GetValue(maxConcurrency),
                    parse.GetValue(maxQueue),
                    parse.GetValue(maxRequestBytes),
                    parse.GetValue(hosts) ?? [],
                    parse.GetValue(provider)!,
                    parse.GetValue(jsonLogs),
                    !parse.GetValue(noPlayground));
                await using WebApplication app = Build(settings);
                await app.RunAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
            {
                CommandRunner.WriteError(ex.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Builds the web application of <paramref name="settings"/> (not started).</summary>
    public static WebApplication Build(ServeSettings settings)
    {
        if (!File.Exists(Path.Combine(settings.ModelPath, ModelFileNames.Manifest)))
        {
            throw new DirectoryNotFoundException($"'{settings.ModelPath}' is not a PaliGemma model folder (no paligemma.json).");
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(settings.Urls);
        builder.Logging.ClearProviders();
        if (settings.JsonLogs)
        {
            builder.Logging.AddJsonConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        // One line per request comes from the PaliGemma guard; ASP.NET Core's own per-request lines would repeat it.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddPaliGemma(o =>
        {
            o.ModelPath = settings.ModelPath;
            o.ExecutionProvider = settings.Provider;
            o.MaxConcurrency = settings.MaxConcurrency;
            o.MaxQueueLength = settings.MaxQueue;
            o.AllowFileImages = false; // clients of a server never name files on it
        });
        builder.Services.AddPaliGemmaServer(o =>
        {
            o.ApiKey = settings.ApiKey;
            o.MaxRequestBytes = settings.MaxRequestBytes;
            o.EnablePlayground = settings.Playground;
            foreach (string host in settings.AllowedUrlHosts)
            {
                o.AllowedUrlHosts.Add(host);
            }
        });

        AddTelemetryExport(builder.Services);
        WebApplication app = builder.Build();
        app.MapPaliGemma();
        return app;
    }

    /// <summary>
    /// Exports the library's spans and metrics (<see cref="PaliGemma.AI.PaliGemmaTelemetry.Name"/>) over OTLP when the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment variable names a collector (the exporter also reads the
    /// other <c>OTEL_*</c> variables: protocol, headers, service name); without it nothing is exported.
    /// </summary>
    internal static bool AddTelemetryExport(IServiceCollection services)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return false;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("paligemma"))
            .WithTracing(tracing => tracing.AddSource(PaliGemma.AI.PaliGemmaTelemetry.Name).AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddMeter(PaliGemma.AI.PaliGemmaTelemetry.Name).AddOtlpExporter());
        return true;
    }

    private static string ReadKey(FileInfo file)
    {
        string key = File.ReadAllText(file.FullName).Trim();
        return key.Length > 0 ? key : throw new InvalidDataException($"The API key file '{file.FullName}' is empty.");
    }
}

/// <summary>The settings of <c>paligemma serve</c>.</summary>
/// <param name="ModelPath">The model folder.</param>
/// <param name="Urls">The addresses to listen on.</param>
/// <param name="ApiKey">The API key, or null for none.</param>
/// <param name="MaxConcurrency">Requests generating at once.</param>
/// <param name="MaxQueue">Requests that may wait.</param>
/// <param name="MaxRequestBytes">The request-body limit.</param>
/// <param name="AllowedUrlHosts">Hosts whose image URLs are accepted.</param>
/// <param name="Provider">The execution provider.</param>
/// <param name="JsonLogs">Whether logs are JSON lines.</param>
/// <param name="Playground">Whether the playground page is served at <c>/</c>.</param>
internal sealed record ServeSettings(string ModelPath, string Urls, string? ApiKey, int MaxConcurrency, int MaxQueue, long MaxRequestBytes, IReadOnlyList<string> AllowedUrlHosts, string Provider, bool JsonLogs, bool Playground = true);
