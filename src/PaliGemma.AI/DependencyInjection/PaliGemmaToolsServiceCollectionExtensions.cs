using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PaliGemma.AI;
using PaliGemma.ModelFormat;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PaliGemma vision tools (no Semantic Kernel needed).</summary>
public static class PaliGemmaToolsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the vision tools over an <see cref="IPaliGemmaVision"/> that is already registered (or registered later,
    /// for example by <c>AddPaliGemma</c>): an <see cref="InMemoryImageStore"/> as <see cref="IImageStore"/>, an
    /// <see cref="ImageReferenceResolver"/> as <see cref="IImageReferenceResolver"/>, and <see cref="PaliGemmaVisionTools"/>
    /// (with the model folder's <c>mask_decoder.onnx</c> when present). Get the <see cref="AIFunction"/>s with
    /// <c>provider.GetRequiredService&lt;PaliGemmaVisionTools&gt;().AsAIFunctions()</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureTools">Sets the tool options (allowed roots, URL hosts, caps), or null for the defaults.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddPaliGemmaTools(this IServiceCollection services, Action<PaliGemmaToolOptions>? configureTools = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<PaliGemmaToolOptions>();
        if (configureTools is not null)
        {
            optionsBuilder.Configure(configureTools);
        }

        services.TryAddSingleton<IImageStore, InMemoryImageStore>();
        services.TryAddSingleton<IImageReferenceResolver>(sp => new ImageReferenceResolver(sp.GetRequiredService<IImageStore>(), ToolOptions(sp)));
        services.TryAddSingleton(sp => new PaliGemmaVisionTools(
            sp.GetRequiredService<IPaliGemmaVision>(), sp.GetRequiredService<IImageReferenceResolver>(), ToolOptions(sp)));
        return services;
    }

    private static PaliGemmaToolOptions ToolOptions(IServiceProvider services)
    {
        PaliGemmaToolOptions options = services.GetRequiredService<IOptions<PaliGemmaToolOptions>>().Value;
        options.MaskDecoder ??= services.GetKeyedService<IChatClient>(PaliGemmaServiceCollectionExtensions.ServiceKey)?.GetService<MaskDecoder>();
        if (options.MaskDecoder is null
            && services.GetService<IOptions<PaliGemmaOptions>>()?.Value.ModelPath is { Length: > 0 } modelPath
            && File.Exists(Path.Combine(modelPath, ModelFileNames.MaskDecoder)))
        {
            options.MaskDecoder = MaskDecoderHolder.Get(Path.Combine(modelPath, ModelFileNames.MaskDecoder));
        }

        return options;
    }
}
