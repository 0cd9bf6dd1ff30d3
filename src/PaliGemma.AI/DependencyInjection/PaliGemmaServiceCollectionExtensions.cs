using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a local PaliGemma model, its <see cref="IChatClient"/> and <see cref="IPaliGemmaVision"/>.</summary>
/// <remarks>
/// <para>What is registered (all singletons):</para>
/// <list type="bullet">
/// <item><see cref="PaliGemmaModel"/>, loaded lazily on first use, once, from <see cref="PaliGemmaOptions.ModelPath"/>.</item>
/// <item>The chat pipeline as a keyed <see cref="IChatClient"/> under <see cref="ServiceKey"/>, and also as the
/// unkeyed <see cref="IChatClient"/> when no unkeyed chat client was registered before this call (an application
/// that already has another default chat client keeps it and asks for the keyed one; <c>AddKeyedPaliGemma</c> never
/// registers the unkeyed one). The innermost client is a
/// <see cref="PaliGemmaChatClient"/>; reach it through <c>chatClient.GetService&lt;PaliGemmaChatClient&gt;()</c>.</item>
/// <item><see cref="IPaliGemmaVision"/> over the keyed chat pipeline.</item>
/// <item>The named <see cref="HttpClient"/> <see cref="ImageSourceOptions.HttpClientName"/> (<c>IHttpClientFactory</c>) for
/// remote images, whose primary handler is <see cref="ImageIntake.CreateRemoteHandler(ImageSourceOptions)"/>.</item>
/// </list>
/// <para>
/// <see cref="PaliGemmaOptions"/> are validated when first read (and at host start-up when a generic host runs
/// start-up validation); a missing or invalid model folder throws <see cref="OptionsValidationException"/> naming it.
/// Call <c>AddPaliGemma</c> once per service collection.
/// </para>
/// <para>
/// Telemetry: the model and chat client emit spans (model load, image preprocess, vision encode, prefill, decode) and
/// metrics (token usage, time to first token, vision-encode and prefill durations, image-cache hits and misses, queue
/// wait and length) from an <see cref="System.Diagnostics.ActivitySource"/> and a
/// <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="PaliGemmaTelemetry.Name"/> (<c>"PaliGemma"</c>).
/// Export them with OpenTelemetry: <c>services.AddOpenTelemetry().WithTracing(t =&gt; t.AddSource("PaliGemma"))
/// .WithMetrics(m =&gt; m.AddMeter("PaliGemma"))</c>; <c>.UseOpenTelemetry()</c> on the returned builder adds
/// Microsoft.Extensions.AI's own chat spans and metrics on top.
/// </para>
/// </remarks>
public static class PaliGemmaServiceCollectionExtensions
{
    /// <summary>The service key of the PaliGemma <see cref="IChatClient"/>.</summary>
    public const string ServiceKey = "paligemma";

    /// <summary>Adds PaliGemma configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, at least <see cref="PaliGemmaOptions.ModelPath"/>.</param>
    /// <returns>The builder of the chat pipeline, to add <c>UseLogging()</c>, <c>UseOpenTelemetry()</c>, ….</returns>
    public static ChatClientBuilder AddPaliGemma(this IServiceCollection services, Action<PaliGemmaOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PaliGemmaOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>Adds PaliGemma configured from a configuration section (for example <c>configuration.GetSection("PaliGemma")</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section whose keys match <see cref="PaliGemmaOptions"/>' properties.</param>
    /// <returns>The builder of the chat pipeline, to add <c>UseLogging()</c>, <c>UseOpenTelemetry()</c>, ….</returns>
    public static ChatClientBuilder AddPaliGemma(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PaliGemmaOptions>().Bind(configuration);
        return AddCore(services);
    }

    /// <summary>
    /// Adds PaliGemma configured in code with its chat pipeline registered only as the keyed <see cref="IChatClient"/>
    /// (<see cref="ServiceKey"/>), never as the unkeyed one: for hosts where the default chat client is another model's
    /// (a Semantic Kernel agent's own LLM, for example). Everything else is as <see cref="AddPaliGemma(IServiceCollection, Action{PaliGemmaOptions})"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, at least <see cref="PaliGemmaOptions.ModelPath"/>.</param>
    /// <returns>The builder of the chat pipeline.</returns>
    public static ChatClientBuilder AddKeyedPaliGemma(this IServiceCollection services, Action<PaliGemmaOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PaliGemmaOptions>().Configure(configure);
        return AddCore(services, unkeyedChatClient: false);
    }

    /// <summary>
    /// Adds PaliGemma configured from a configuration section with its chat pipeline registered only as the keyed
    /// <see cref="IChatClient"/> (see <see cref="AddKeyedPaliGemma(IServiceCollection, Action{PaliGemmaOptions})"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section whose keys match <see cref="PaliGemmaOptions"/>' properties.</param>
    /// <returns>The builder of the chat pipeline.</returns>
    public static ChatClientBuilder AddKeyedPaliGemma(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PaliGemmaOptions>().Bind(configuration);
        return AddCore(services, unkeyedChatClient: false);
    }

    private static ChatClientBuilder AddCore(IServiceCollection services, bool unkeyedChatClient = true)
    {
        services.AddOptions<PaliGemmaOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaliGemmaOptions>, PaliGemmaOptionsValidator>());
        services.TryAddSingleton(LoadModel);
        services.AddHttpClient(ImageSourceOptions.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => ImageIntake.CreateRemoteHandler(CreateImageSourceOptions(sp.GetRequiredService<IOptions<PaliGemmaOptions>>().Value)))
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // the intake applies RemoteImageTimeout

        var hadDefaultChatClient = services.Any(d => d.ServiceType == typeof(IChatClient) && !d.IsKeyedService);
        var builder = services.AddKeyedChatClient(ServiceKey, CreateChatClient);
        if (unkeyedChatClient && !hadDefaultChatClient)
        {
            services.AddSingleton<IChatClient>(sp => sp.GetRequiredKeyedService<IChatClient>(ServiceKey));
        }

        services.TryAddSingleton<IPaliGemmaVision>(sp => new PaliGemmaVision(
            sp.GetRequiredKeyedService<IChatClient>(ServiceKey),
            new PaliGemmaVisionOptions
            {
                MaxOutputTokens = sp.GetRequiredService<IOptions<PaliGemmaOptions>>().Value.VisionMaxOutputTokens,
                ImageLoadOptions = CreateImageLoadOptions(sp.GetRequiredService<IOptions<PaliGemmaOptions>>().Value),
            }));
        return builder;
    }

    private static PaliGemmaModel LoadModel(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PaliGemmaOptions>>().Value;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger<PaliGemmaModel>();
        return PaliGemmaModel.Load(
            options.ModelPath!,
            new PaliGemmaModelOptions
            {
                ExecutionProvider = options.ExecutionProvider,
                IntraOpNumThreads = options.IntraOpNumThreads ?? 0,
                ConcurrentGenerations = Math.Max(1, options.MaxConcurrency),
                MaxBatchSize = options.MaxBatchSize,
            },
            logger);
    }

    private static PaliGemmaChatClient CreateChatClient(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<PaliGemmaOptions>>().Value;
        var clientOptions = CreateClientOptions(options);
        if (options.AllowRemoteImages)
        {
            clientOptions.HttpClient = services.GetRequiredService<IHttpClientFactory>().CreateClient(ImageSourceOptions.HttpClientName);
        }

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger<PaliGemmaChatClient>();
        return new PaliGemmaChatClient(services.GetRequiredService<PaliGemmaModel>(), clientOptions, logger);
    }

    /// <summary>The image-source policy of the hosting options (the same mapping the chat client gets).</summary>
    internal static ImageSourceOptions CreateImageSourceOptions(PaliGemmaOptions options) => CreateClientOptions(options, imageLoadOptions: null).ToImageSourceOptions();

    private static PaliGemmaChatClientOptions CreateClientOptions(PaliGemmaOptions options) => CreateClientOptions(options, CreateImageLoadOptions(options));

    private static PaliGemmaChatClientOptions CreateClientOptions(PaliGemmaOptions options, ImageLoadOptions? imageLoadOptions)
    {
        var clientOptions = new PaliGemmaChatClientOptions
        {
            MaxConcurrency = options.MaxConcurrency,
            MaxQueueLength = options.MaxQueueLength,
            ImageFeatureCacheCapacity = options.ImageFeatureCacheCapacity,
            ImageLoadOptions = imageLoadOptions,
            AllowRemoteImages = options.AllowRemoteImages,
            AllowInsecureHttpImages = options.AllowInsecureHttpImages,
            AllowPrivateNetworkImages = options.AllowPrivateNetworkImages,
            RemoteImageTimeout = options.RemoteImageTimeout,
            AllowFileImages = options.AllowFileImages,
            ConstrainTypedTasks = options.ConstrainTypedTasks,
        };
        foreach (string host in options.AllowedImageHosts)
        {
            clientOptions.AllowedImageHosts.Add(host);
        }

        foreach (string root in options.AllowedImageRoots)
        {
            clientOptions.AllowedImageRoots.Add(root);
        }

        return clientOptions;
    }

    private static ImageLoadOptions CreateImageLoadOptions(PaliGemmaOptions options)
    {
        var defaults = new ImageLoadOptions();
        return new ImageLoadOptions
        {
            MaxEncodedBytes = options.MaxImageBytes ?? defaults.MaxEncodedBytes,
            MaxPixels = options.MaxImagePixels ?? defaults.MaxPixels,
        };
    }
}
