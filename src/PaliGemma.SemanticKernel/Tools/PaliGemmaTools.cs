using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using PaliGemma.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>The PaliGemma vision tools as <see cref="AIFunction"/>s for any <see cref="IChatClient"/> with tool calling.</summary>
public static class PaliGemmaTools
{
    /// <summary>
    /// Creates the <c>Detect</c>, <c>Segment</c>, <c>Caption</c>, <c>Ocr</c> and <c>Answer</c> tools. They are the
    /// <see cref="PaliGemmaPlugin"/>'s kernel functions (a <see cref="KernelFunction"/> is an <see cref="AIFunction"/>),
    /// so Semantic Kernel and plain Microsoft.Extensions.AI hosts run the same code and produce the same JSON.
    /// </summary>
    /// <param name="vision">The PaliGemma vision service.</param>
    /// <param name="resolver">Resolves <c>image</c> arguments, or null for an <see cref="ImageReferenceResolver"/> without an image store.</param>
    /// <param name="options">The settings, or null for the defaults.</param>
    /// <returns>The tools, to put in <see cref="ChatOptions.Tools"/>.</returns>
    /// <remarks>Each function is bound to its own empty <see cref="Kernel"/>, so it runs without a kernel in the call's
    /// arguments or services.</remarks>
    public static IList<AITool> Create(IPaliGemmaVision vision, IImageReferenceResolver? resolver = null, PaliGemmaToolOptions? options = null)
    {
        var kernel = new Kernel();
        return [.. CreatePlugin(new PaliGemmaVisionTools(vision, resolver, options)).Select(f => f.WithKernel(kernel))];
    }

    /// <summary>Creates the Semantic Kernel plugin (name <c>paligemma</c>) over <paramref name="tools"/>.</summary>
    /// <param name="tools">The vision tools.</param>
    /// <returns>The plugin.</returns>
    public static KernelPlugin CreatePlugin(PaliGemmaVisionTools tools) =>
        KernelPluginFactory.CreateFromObject(new PaliGemmaPlugin(tools), PaliGemmaToolJsonContext.ToolSerializerOptions, PaliGemmaPlugin.PluginName);
}
