using System.ComponentModel;
using Microsoft.SemanticKernel;
using PaliGemma.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// Semantic Kernel plugin (name <c>paligemma</c>), a thin wrapper of <see cref="PaliGemmaVisionTools"/> from PaliGemma.AI, that lets an LLM look at images through PaliGemma: detect, segment,
/// caption, read text and answer questions. Every function takes an optional <c>image</c> (a registered image id, a
/// <c>data:</c> URI, or an allowed file path; omitted = the latest image in the chat) and returns a typed result;
/// problems come back as <c>{"error": …, "code": …}</c> results rather than exceptions.
/// </summary>
public sealed class PaliGemmaPlugin
{
    /// <summary>The plugin name.</summary>
    public const string PluginName = "paligemma";

    private readonly PaliGemmaVisionTools _tools;

    /// <summary>
    /// Creates the Semantic Kernel plugin (name <c>paligemma</c>) over <paramref name="tools"/>; its functions return
    /// the same JSON as <see cref="PaliGemmaTools.Create(PaliGemmaVisionTools)"/>'s AI functions.
    /// </summary>
    /// <param name="tools">The vision tools.</param>
    /// <returns>The plugin.</returns>
    public static KernelPlugin CreateKernelPlugin(PaliGemmaVisionTools tools) =>
        KernelPluginFactory.CreateFromObject(new PaliGemmaPlugin(tools), PaliGemmaToolJsonContext.ToolSerializerOptions, PluginName);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tools">The vision tools.</param>
    public PaliGemmaPlugin(PaliGemmaVisionTools tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        _tools = tools;
    }

    /// <summary>Finds objects and returns their boxes.</summary>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The objects with pixel and normalised boxes.</returns>
    [KernelFunction("Detect")]
    [Description(ToolDescriptions.Detect)]
    public Task<DetectToolResult> DetectAsync(
        [Description(ToolDescriptions.DetectLabels)] string labels,
        [Description(ToolDescriptions.Image)] string? image = null,
        CancellationToken cancellationToken = default) =>
        _tools.DetectAsync(labels, image, cancellationToken);

    /// <summary>Segments objects and returns boxes and masks.</summary>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The objects with boxes and COCO RLE masks.</returns>
    [KernelFunction("Segment")]
    [Description(ToolDescriptions.Segment)]
    public Task<SegmentToolResult> SegmentAsync(
        [Description(ToolDescriptions.SegmentLabels)] string labels,
        [Description(ToolDescriptions.Image)] string? image = null,
        CancellationToken cancellationToken = default) =>
        _tools.SegmentAsync(labels, image, cancellationToken);

    /// <summary>Writes a short caption.</summary>
    /// <param name="image">The image reference.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The caption.</returns>
    [KernelFunction("Caption")]
    [Description(ToolDescriptions.Caption)]
    public Task<TextToolResult> CaptionAsync(
        [Description(ToolDescriptions.Image)] string? image = null,
        [Description(ToolDescriptions.CaptionLanguage)] string? language = null,
        CancellationToken cancellationToken = default) =>
        _tools.CaptionAsync(image, language, cancellationToken);

    /// <summary>Reads the text in an image.</summary>
    /// <param name="image">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The text.</returns>
    [KernelFunction("Ocr")]
    [Description(ToolDescriptions.Ocr)]
    public Task<TextToolResult> OcrAsync(
        [Description(ToolDescriptions.Image)] string? image = null,
        CancellationToken cancellationToken = default) =>
        _tools.OcrAsync(image, cancellationToken);

    /// <summary>Answers a question about an image.</summary>
    /// <param name="question">The question.</param>
    /// <param name="image">The image reference.</param>
    /// <param name="language">The language code.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer.</returns>
    [KernelFunction("Answer")]
    [Description(ToolDescriptions.Answer)]
    public Task<TextToolResult> AnswerAsync(
        [Description(ToolDescriptions.AnswerQuestion)] string question,
        [Description(ToolDescriptions.Image)] string? image = null,
        [Description(ToolDescriptions.AnswerLanguage)] string? language = null,
        CancellationToken cancellationToken = default) =>
        _tools.AnswerAsync(question, image, language, cancellationToken);
}
