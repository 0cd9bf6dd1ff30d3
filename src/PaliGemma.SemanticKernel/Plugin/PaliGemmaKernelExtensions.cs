using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaliGemma.AI;
using PaliGemma.SemanticKernel;

namespace Microsoft.SemanticKernel;

/// <summary>Adds PaliGemma and its vision plugin to Semantic Kernel.</summary>
public static class PaliGemmaKernelExtensions
{
    /// <summary>
    /// Adds a local PaliGemma model (<c>services.AddPaliGemma</c>), the vision tools (an <see cref="InMemoryImageStore"/>,
    /// an <see cref="ImageReferenceResolver"/>, <see cref="PaliGemmaVisionTools"/> with the model folder's
    /// <c>mask_decoder.onnx</c> when present) and the <see cref="ConversationImageFilter"/>. Add the plugin with
    /// <c>kernel.Plugins.AddPaliGemmaPlugin()</c> or <c>builder.Plugins.AddPaliGemmaPlugin()</c>.
    /// </summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configure">Sets the model options, at least <see cref="PaliGemmaOptions.ModelPath"/>.</param>
    /// <param name="configureTools">Sets the tool options (allowed roots, URL hosts, caps), or null for the defaults.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The PaliGemma chat client is registered only under the key <c>paligemma</c> (never as the kernel's
    /// default <see cref="IChatClient"/>), so the kernel's own LLM is never replaced by the vision model, whatever the
    /// registration order.</remarks>
    public static IKernelBuilder AddPaliGemma(this IKernelBuilder builder, Action<PaliGemmaOptions> configure, Action<PaliGemmaToolOptions>? configureTools = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddKeyedPaliGemma(configure);
        AddToolsAndFilter(builder.Services, configureTools);
        return builder;
    }

    /// <summary>Adds a local PaliGemma model configured from a configuration section, and the vision tools; see the other overload.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="configuration">The section whose keys match <see cref="PaliGemmaOptions"/> (for example <c>configuration.GetSection("PaliGemma")</c>).</param>
    /// <param name="configureTools">Sets the tool options, or null for the defaults.</param>
    /// <returns>The builder.</returns>
    public static IKernelBuilder AddPaliGemma(this IKernelBuilder builder, Microsoft.Extensions.Configuration.IConfiguration configuration, Action<PaliGemmaToolOptions>? configureTools = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddKeyedPaliGemma(configuration);
        AddToolsAndFilter(builder.Services, configureTools);
        return builder;
    }

    /// <summary>Adds the PaliGemma plugin (name <c>paligemma</c>), built from the services' <see cref="PaliGemmaVisionTools"/>.</summary>
    /// <param name="plugins">The kernel's plugin collection.</param>
    /// <param name="services">The services that hold <see cref="PaliGemmaVisionTools"/>, usually <c>kernel.Services</c>.</param>
    /// <returns>The plugin.</returns>
    public static KernelPlugin AddPaliGemmaPlugin(this ICollection<KernelPlugin> plugins, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(services);
        return plugins.AddPaliGemmaPlugin(services.GetRequiredService<PaliGemmaVisionTools>());
    }

    /// <summary>Adds the PaliGemma plugin (name <c>paligemma</c>) over <paramref name="tools"/>.</summary>
    /// <param name="plugins">The plugin collection.</param>
    /// <param name="tools">The vision tools.</param>
    /// <returns>The plugin.</returns>
    public static KernelPlugin AddPaliGemmaPlugin(this ICollection<KernelPlugin> plugins, PaliGemmaVisionTools tools)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        KernelPlugin plugin = PaliGemmaPlugin.CreateKernelPlugin(tools);
        plugins.Add(plugin);
        return plugin;
    }

    /// <summary>Adds the PaliGemma plugin to the kernel being built; its tools come from the kernel's services.</summary>
    /// <param name="plugins">The builder's plugin collection (the <see cref="ConversationImageFilter"/> is registered in its services too).</param>
    /// <returns>The plugin collection.</returns>
    public static IKernelBuilderPlugins AddPaliGemmaPlugin(this IKernelBuilderPlugins plugins)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        plugins.Services.AddSingleton(sp => PaliGemmaPlugin.CreateKernelPlugin(sp.GetRequiredService<PaliGemmaVisionTools>()));
        plugins.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAutoFunctionInvocationFilter, ConversationImageFilter>());
        return plugins;
    }

    /// <summary>Adds the PaliGemma plugin to <paramref name="kernel"/>, with tools from its services.</summary>
    /// <param name="kernel">The kernel (built with <c>AddPaliGemma</c> or with <c>services.AddPaliGemmaTools</c> in its services; the <see cref="ConversationImageFilter"/> is added to the kernel when missing).</param>
    /// <returns>The plugin.</returns>
    public static KernelPlugin AddPaliGemmaPlugin(this Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (!kernel.AutoFunctionInvocationFilters.OfType<ConversationImageFilter>().Any())
        {
            kernel.AutoFunctionInvocationFilters.Add(new ConversationImageFilter());
        }

        return kernel.Plugins.AddPaliGemmaPlugin(kernel.Services);
    }

    /// <summary>Registers the vision tools (<c>services.AddPaliGemmaTools</c>) and the <see cref="ConversationImageFilter"/>.</summary>
    private static void AddToolsAndFilter(IServiceCollection services, Action<PaliGemmaToolOptions>? configureTools)
    {
        services.AddPaliGemmaTools(configureTools);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAutoFunctionInvocationFilter, ConversationImageFilter>());
    }
}
