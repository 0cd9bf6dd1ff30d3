using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.AspNetCore;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Commands;

/// <summary><c>paligemma mcp</c>: an MCP server over stdio exposing detect / segment / caption / ocr / answer.</summary>
internal static class McpCommand
{
    /// <summary>The default of <c>--max-queue</c>: tool calls that may wait while one runs.</summary>
    public const int DefaultMaxQueueLength = 8;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<DirectoryInfo?> model = ModelOption.Create("The model folder (holding paligemma.json; a mask decoder, added with `convert --mask-decoder`, enables masks).");
        var roots = new Option<DirectoryInfo[]>("--allowed-root") { Description = "A folder whose image files clients may name by path (repeatable). Without it only data: URIs are accepted.", AllowMultipleArgumentsPerToken = false };
        var hosts = new Option<string[]>("--allowed-url-host") { Description = "A host whose http(s) image URLs may be fetched (repeatable). Without it URLs are refused." };
        var maxBytes = new Option<long?>("--max-image-bytes") { Description = "The largest image accepted, in bytes (default 32 MiB)." };
        var maxQueue = new Option<int>("--max-queue") { Description = $"How many tool calls may wait for the model; more are refused at once with the 'busy' error (default {DefaultMaxQueueLength}).", DefaultValueFactory = _ => DefaultMaxQueueLength };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");
        var command = new Command("mcp", "Serve the PaliGemma vision tools over MCP (stdio). Logs go to stderr; stdout carries only the protocol.")
        {
            model, roots, hosts, maxBytes, maxQueue, provider,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                await RunAsync(
                    ModelOption.Resolve(parse.GetValue(model), Console.Error),
                    [.. (parse.GetValue(roots) ?? []).Select(r => r.FullName)],
                    parse.GetValue(hosts) ?? [],
                    parse.GetValue(maxBytes),
                    parse.GetValue(maxQueue),
                    parse.GetValue(provider)!,
                    cancellationToken).ConfigureAwait(false);
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

    private static async Task RunAsync(string modelPath, string[] roots, string[] hosts, long? maxBytes, int maxQueue, string provider, CancellationToken cancellationToken)
    {
        if (maxQueue < 0)
        {
            throw new ArgumentException($"--max-queue must be at least 0, not {maxQueue}.");
        }

        if (!File.Exists(Path.Combine(modelPath, ModelFileNames.Manifest)))
        {
            throw new DirectoryNotFoundException($"'{modelPath}' is not a PaliGemma model folder (no paligemma.json).");
        }

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter(typeof(PaliGemmaModel).FullName!, LogLevel.Information); // the one load line: path, provider, precision, threads, time
        builder.Services.AddPaliGemma(o =>
        {
            o.ModelPath = modelPath;
            o.ExecutionProvider = provider;
            o.MaxQueueLength = maxQueue;
            if (maxBytes is { } max)
            {
                o.MaxImageBytes = max;
            }
        });
        builder.Services.AddPaliGemmaTools(o =>
        {
            foreach (string root in roots)
            {
                o.AllowedRoots.Add(root);
            }

            foreach (string host in hosts)
            {
                o.AllowedUrlHosts.Add(host);
            }

            if (maxBytes is { } max)
            {
                o.MaxImageBytes = max;
            }
        });
        PaliGemmaMcpTools.AddPaliGemmaTools(
            builder.Services
                .AddMcpServer(o => o.ServerInfo = new() { Name = "paligemma", Version = typeof(McpCommand).Assembly.GetName().Version?.ToString() ?? "1.0" })
                .WithStdioServerTransport(),
            fetchesUrls: hosts.Length > 0);

        using IHost host = builder.Build();

        // Serve first (the client's MCP handshake completes at once), then load the model in the background; a tool call
        // that arrives earlier waits for it. A model that fails to load stops the server with the error on stderr.
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        Task<Exception?> load = Task.Run(() => LoadModel(host), CancellationToken.None);
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        if (await load.ConfigureAwait(false) is { } failure)
        {
            throw failure;
        }
    }

    private static Exception? LoadModel(IHost host)
    {
        try
        {
            host.Services.GetRequiredService<PaliGemmaModel>();
            host.Services.GetRequiredService<PaliGemmaVisionTools>();
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            return ex;
        }
    }
}
