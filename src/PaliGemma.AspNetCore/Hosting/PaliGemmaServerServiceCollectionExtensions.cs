using ModelContextProtocol.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PaliGemma.AI;
using PaliGemma.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what the PaliGemma endpoints need (call after <c>services.AddPaliGemma(...)</c>).</summary>
public static class PaliGemmaServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the server options (validated at start-up), the vision tools (<c>AddPaliGemmaTools</c>), the MCP server
    /// with the PaliGemma tools over streamable HTTP (stateless, so replicas need no session affinity), a background
    /// model load for <c>/readyz</c>, and the request guard. Map the endpoints with <c>app.MapPaliGemma()</c>.
    /// </summary>
    /// <param name="services">The services, which must also get a model with <c>AddPaliGemma(...)</c>.</param>
    /// <param name="configure">Sets the server options, or null for the defaults.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddPaliGemmaServer(this IServiceCollection services, Action<PaliGemmaServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<PaliGemmaServerOptions> options = services.AddOptions<PaliGemmaServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaliGemmaServerOptions>, ServerOptionsValidator>());
        services.AddOptions<HostOptions>().Configure<IOptions<PaliGemmaServerOptions>>((host, server) => host.ShutdownTimeout = server.Value.ShutdownTimeout);

        // ---- Image-URL wiring (the single place): the server's allowed URL hosts reach the image intake here. ----
        // Every endpoint (OpenAI, typed vision, MCP) fetches http(s) images through the vision tools' reader, which is the
        // intake stage's remote fetcher (ImageSourceOptions: listed hosts only, https, no redirects, no private
        // addresses after DNS, size cap, timeout); the chat client only ever gets bytes from the server, so
        // PaliGemmaOptions.AllowRemoteImages stays off and there is one URL policy.
        services.AddOptions<PaliGemmaToolOptions>().Configure<IOptions<PaliGemmaServerOptions>>((tools, server) =>
        {
            foreach (string host in server.Value.AllowedUrlHosts)
            {
                tools.AllowedUrlHosts.Add(host);
            }

            tools.AllowInsecureUrls = server.Value.AllowInsecureUrls;
            tools.AllowPrivateNetworkUrls = server.Value.AllowPrivateNetworkUrls;
        });

        // ---- end of the image-URL wiring ----
        services.AddPaliGemmaTools();
        services.TryAddSingleton(sp => new PaliGemmaServerState(sp.GetService<IHostApplicationLifetime>()));
        services.TryAddSingleton<ServerGuard>();
        services.AddHostedService<ModelWarmupService>();
        services.AddMcpServer(o => o.ServerInfo = new() { Name = "paligemma", Version = typeof(PaliGemmaServerOptions).Assembly.GetName().Version?.ToString() ?? "1.0" })
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools<PaliGemmaMcpTools>(PaliGemmaToolJsonContext.ToolSerializerOptions);
        services.AddOptions<McpServerOptions>().PostConfigure<IOptions<PaliGemmaServerOptions>>(
            (mcp, server) => PaliGemmaMcpTools.SetOpenWorldHint(mcp, fetchesUrls: server.Value.AllowedUrlHosts.Count > 0));
        return services;
    }

    private sealed class ServerOptionsValidator : IValidateOptions<PaliGemmaServerOptions>
    {
        public ValidateOptionsResult Validate(string? name, PaliGemmaServerOptions options)
        {
            IReadOnlyList<string> errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
