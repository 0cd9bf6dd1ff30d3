using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// Creates the PaliGemma vision tools as Microsoft.Extensions.AI <see cref="AIFunction"/>s (built with
/// <see cref="AIFunctionFactory"/>), for any <see cref="IChatClient"/> with function invocation
/// (<c>ChatClientBuilder.UseFunctionInvocation()</c>); no Semantic Kernel needed.
/// </summary>
public static class PaliGemmaTools
{
    /// <summary>The prefix of every tool name (<c>paligemma_Detect</c>, <c>paligemma_Segment</c>, …).</summary>
    public const string NamePrefix = "paligemma_";

    /// <summary>
    /// Creates the tools <c>paligemma_Detect</c>, <c>paligemma_Segment</c>, <c>paligemma_Caption</c>,
    /// <c>paligemma_Ocr</c> and <c>paligemma_Answer</c> over a new <see cref="PaliGemmaVisionTools"/>. They run the
    /// same code as the Semantic Kernel plugin and the MCP tools and return the same JSON.
    /// </summary>
    /// <param name="vision">The PaliGemma vision service.</param>
    /// <param name="resolver">Resolves <c>image</c> arguments, or null for an <see cref="ImageReferenceResolver"/> without an image store.</param>
    /// <param name="options">The tool settings, or null for the defaults.</param>
    /// <returns>The tools, to put in <see cref="ChatOptions.Tools"/>.</returns>
    public static IList<AITool> Create(IPaliGemmaVision vision, IImageReferenceResolver? resolver = null, PaliGemmaToolOptions? options = null) =>
        Create(new PaliGemmaVisionTools(vision, resolver, options));

    /// <summary>Creates the tools over <paramref name="tools"/> (for example the one registered by <c>AddPaliGemmaTools</c>).</summary>
    /// <param name="tools">The vision tools.</param>
    /// <returns>The tools, to put in <see cref="ChatOptions.Tools"/>.</returns>
    public static IList<AITool> Create(PaliGemmaVisionTools tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return
        [
            AIFunctionFactory.Create(
                ([Description(ToolDescriptions.DetectLabels)] string labels, [Description(ToolDescriptions.Image)] string? image = null, CancellationToken cancellationToken = default) =>
                    tools.DetectAsync(labels, image, cancellationToken),
                Options("Detect", ToolDescriptions.Detect)),
            AIFunctionFactory.Create(
                ([Description(ToolDescriptions.SegmentLabels)] string labels, [Description(ToolDescriptions.Image)] string? image = null, CancellationToken cancellationToken = default) =>
                    tools.SegmentAsync(labels, image, cancellationToken),
                Options("Segment", ToolDescriptions.Segment)),
            AIFunctionFactory.Create(
                ([Description(ToolDescriptions.Image)] string? image = null, [Description(ToolDescriptions.CaptionLanguage)] string? language = null, CancellationToken cancellationToken = default) =>
                    tools.CaptionAsync(image, language, cancellationToken),
                Options("Caption", ToolDescriptions.Caption)),
            AIFunctionFactory.Create(
                ([Description(ToolDescriptions.Image)] string? image = null, CancellationToken cancellationToken = default) =>
                    tools.OcrAsync(image, cancellationToken),
                Options("Ocr", ToolDescriptions.Ocr)),
            AIFunctionFactory.Create(
                ([Description(ToolDescriptions.AnswerQuestion)] string question, [Description(ToolDescriptions.Image)] string? image = null, [Description(ToolDescriptions.AnswerLanguage)] string? language = null, CancellationToken cancellationToken = default) =>
                    tools.AnswerAsync(question, image, language, cancellationToken),
                Options("Answer", ToolDescriptions.Answer)),
        ];
    }

    private static AIFunctionFactoryOptions Options(string name, string description) => new()
    {
        Name = NamePrefix + name,
        Description = description,
        SerializerOptions = PaliGemmaToolJsonContext.ToolSerializerOptions,
    };
}
