using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using PaliGemma.AI;
using PaliGemma.Rendering;

namespace PaliGemma.AspNetCore;

/// <summary>
/// The PaliGemma vision tools over MCP: the same <see cref="PaliGemmaVisionTools"/> the Semantic Kernel plugin and the
/// AI functions use, returned as structured content (with an output schema), the same JSON as text, and, for
/// detections and segmentations with objects, the annotated image as a PNG image block (only for images of at most
/// <see cref="MaxAnnotatedImagePixels"/>). All tools are read-only and idempotent; whether they reach the open world
/// (fetch URLs) is set at registration (<see cref="AddPaliGemmaTools"/>). Failures come back as tool errors
/// (<c>isError</c>) with <c>{"error", "code"}</c> whose texts hold no absolute paths; a full request queue is the
/// <c>busy</c> code.
/// </summary>
[McpServerToolType]
public sealed class PaliGemmaMcpTools
{
    /// <summary>The largest image, in pixels (width × height), drawn as an annotated PNG: 2048 × 2048. Larger images get the JSON only.</summary>
    public const long MaxAnnotatedImagePixels = 2048L * 2048;

    private const string ImageDescription = "A data:image/...;base64 URI, a path of an image file inside the server's allowed folders, or (where the server allows hosts) an https URL.";
    private readonly PaliGemmaVisionTools _tools;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="tools">The vision tools every host uses.</param>
    public PaliGemmaMcpTools(PaliGemmaVisionTools tools) => _tools = tools;

    /// <summary>
    /// Adds the tools to an MCP server and sets their <c>openWorldHint</c>: true when the server fetches URLs
    /// (<paramref name="fetchesUrls"/>), false when every image comes from the request or the allowed folders.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="fetchesUrls">Whether any URL host is allowed.</param>
    /// <returns>The builder.</returns>
    public static IMcpServerBuilder AddPaliGemmaTools(IMcpServerBuilder builder, bool fetchesUrls)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithTools<PaliGemmaMcpTools>(PaliGemmaToolJsonContext.ToolSerializerOptions);
        builder.Services.PostConfigure<McpServerOptions>(options => SetOpenWorldHint(options, fetchesUrls));
        return builder;
    }

    /// <summary>Sets the <c>openWorldHint</c> of every tool registered in <paramref name="options"/>.</summary>
    /// <param name="options">The MCP server options holding the tools.</param>
    /// <param name="fetchesUrls">Whether the server fetches URLs (any URL host is allowed).</param>
    public static void SetOpenWorldHint(McpServerOptions options, bool fetchesUrls)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (McpServerTool tool in options.ToolCollection ?? [])
        {
            if (tool.ProtocolTool.Annotations is { } annotations)
            {
                annotations.OpenWorldHint = fetchesUrls;
            }
            else
            {
                tool.ProtocolTool.Annotations = new ToolAnnotations { OpenWorldHint = fetchesUrls };
            }
        }
    }


    /// <summary>The <c>detect</c> tool.</summary>
    /// <param name="image">A data: URI, or a file path under the allowed folders.</param>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="request">The MCP request (its progress token, when the client sent one, receives progress notifications).</param>
    /// <returns>The tool result (JSON, structured content, and the annotated PNG when objects were found).</returns>
    [McpServerTool(Name = "detect", Title = "Detect objects", ReadOnly = true, Idempotent = true, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(DetectToolResult))]
    [Description(ToolDescriptions.Detect)]
    public async Task<CallToolResult> DetectAsync(
        [Description(ImageDescription)] string image,
        [Description(ToolDescriptions.DetectLabels)] string labels,
        CancellationToken cancellationToken,
        RequestContext<CallToolRequestParams>? request = null) =>
        await ImageToolAsync(image, request, "detecting", content => _tools.DetectAsync(content, labels, cancellationToken), PaliGemmaToolJsonContext.Default.DetectToolResult,
            (content, result) => result.Source is { Objects.Count: > 0 } s ? () => AnnotatedImageRenderer.Render(content.Data.ToArray(), s.Objects, AnnotationLimits) : null,
            cancellationToken).ConfigureAwait(false);

    /// <summary>The <c>segment</c> tool.</summary>
    /// <param name="image">A data: URI, or a file path under the allowed folders.</param>
    /// <param name="labels">Object names separated by commas.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="request">The MCP request (its progress token, when the client sent one, receives progress notifications).</param>
    /// <returns>The tool result (JSON with RLE masks, structured content, and the annotated PNG when objects were found).</returns>
    [McpServerTool(Name = "segment", Title = "Segment objects", ReadOnly = true, Idempotent = true, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(SegmentToolResult))]
    [Description(ToolDescriptions.Segment)]
    public async Task<CallToolResult> SegmentAsync(
        [Description(ImageDescription)] string image,
        [Description(ToolDescriptions.SegmentLabels)] string labels,
        CancellationToken cancellationToken,
        RequestContext<CallToolRequestParams>? request = null) =>
        await ImageToolAsync(image, request, "segmenting", content => _tools.SegmentAsync(content, labels, cancellationToken), PaliGemmaToolJsonContext.Default.SegmentToolResult,
            (content, result) => result.Source is { Objects.Count: > 0 } s ? () => AnnotatedImageRenderer.Render(content.Data.ToArray(), s.Objects, AnnotationLimits) : null,
            cancellationToken).ConfigureAwait(false);

    /// <summary>The <c>caption</c> tool.</summary>
    /// <param name="image">A data: URI, or a file path under the allowed folders.</param>
    /// <param name="language">The language code, or null for <c>en</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="request">The MCP request (its progress token, when the client sent one, receives progress notifications).</param>
    /// <returns>The tool result.</returns>
    [McpServerTool(Name = "caption", Title = "Caption an image", ReadOnly = true, Idempotent = true, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(TextToolResult))]
    [Description(ToolDescriptions.Caption)]
    public async Task<CallToolResult> CaptionAsync(
        [Description(ImageDescription)] string image,
        [Description(ToolDescriptions.CaptionLanguage)] string? language = null,
        CancellationToken cancellationToken = default,
        RequestContext<CallToolRequestParams>? request = null) =>
        await Reported(request, "captioning", () => _tools.CaptionAsync(image, language, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>The <c>ocr</c> tool.</summary>
    /// <param name="image">A data: URI, or a file path under the allowed folders.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="request">The MCP request (its progress token, when the client sent one, receives progress notifications).</param>
    /// <returns>The tool result.</returns>
    [McpServerTool(Name = "ocr", Title = "Read text", ReadOnly = true, Idempotent = true, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(TextToolResult))]
    [Description(ToolDescriptions.Ocr)]
    public async Task<CallToolResult> OcrAsync(
        [Description(ImageDescription)] string image,
        CancellationToken cancellationToken = default,
        RequestContext<CallToolRequestParams>? request = null) =>
        await Reported(request, "reading text", () => _tools.OcrAsync(image, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>The <c>answer</c> tool.</summary>
    /// <param name="image">A data: URI, or a file path under the allowed folders.</param>
    /// <param name="question">The question, on one line.</param>
    /// <param name="language">The language code, or null for <c>en</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="request">The MCP request (its progress token, when the client sent one, receives progress notifications).</param>
    /// <returns>The tool result.</returns>
    [McpServerTool(Name = "answer", Title = "Answer a question", ReadOnly = true, Idempotent = true, Destructive = false, UseStructuredContent = true, OutputSchemaType = typeof(TextToolResult))]
    [Description(ToolDescriptions.Answer)]
    public async Task<CallToolResult> AnswerAsync(
        [Description(ImageDescription)] string image,
        [Description(ToolDescriptions.AnswerQuestion)] string question,
        [Description(ToolDescriptions.AnswerLanguage)] string? language = null,
        CancellationToken cancellationToken = default,
        RequestContext<CallToolRequestParams>? request = null) =>
        await Reported(request, "answering", () => _tools.AnswerAsync(question, image, language, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends an MCP progress notification (<c>notifications/progress</c>) when the client asked for progress (a progress
    /// token in the request). Steps (of 2): 0 reading the image, 1 running the model; the result itself is the end. No
    /// notification follows the work: one sent right before the result races it, and a client drops notifications of a
    /// request it has completed (the SDK client hands notifications to their handler asynchronously).
    /// </summary>
    private static async Task Step(RequestContext<CallToolRequestParams>? request, int step, string message, CancellationToken cancellationToken)
    {
        if (request?.Params?.ProgressToken is { } token)
        {
            await request.Server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = step, Total = 2, Message = message }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The detect and segment tools: resolve the image (a failure is the tool result), run the model on it, and return
    /// the result with the annotated PNG that <paramref name="annotate"/> draws, reporting each stage.
    /// </summary>
    private async Task<CallToolResult> ImageToolAsync<T>(
        string image,
        RequestContext<CallToolRequestParams>? request,
        string stage,
        Func<DataContent, Task<T>> run,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo,
        Func<DataContent, T, Func<byte[]>?> annotate,
        CancellationToken cancellationToken)
        where T : PaliGemmaToolResult
    {
        await Step(request, 0, "reading the image", cancellationToken).ConfigureAwait(false);
        (DataContent? content, CallToolResult? failure) = await ResolveAsync(image, cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            return failure!;
        }

        await Step(request, 1, stage, cancellationToken).ConfigureAwait(false);
        T result = await run(content).ConfigureAwait(false);
        return ToResult(result, typeInfo, annotate(content, result));
    }

    private static async Task<CallToolResult> Reported(RequestContext<CallToolRequestParams>? request, string message, Func<Task<TextToolResult>> run, CancellationToken cancellationToken)
    {
        await Step(request, 1, message, cancellationToken).ConfigureAwait(false);
        TextToolResult result = await run().ConfigureAwait(false);
        return ToResult(result, PaliGemmaToolJsonContext.Default.TextToolResult, null);
    }

    private static readonly AnnotationOptions AnnotationLimits = new() { MaxPixels = MaxAnnotatedImagePixels };

    private async Task<(DataContent? Image, CallToolResult? Failure)> ResolveAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            return (await _tools.ResolveImageAsync(image, cancellationToken).ConfigureAwait(false), null);
        }
        catch (ImageReferenceException ex)
        {
            var error = new TextToolResult { Error = ex.Message, Code = ex.Code };
            return (null, ToResult(error, PaliGemmaToolJsonContext.Default.TextToolResult, null));
        }
    }

    private static CallToolResult ToResult<T>(T result, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, Func<byte[]>? render)
        where T : PaliGemmaToolResult
    {
        JsonElement json = JsonSerializer.SerializeToElement(result, typeInfo);
        var content = new List<ContentBlock> { new TextContentBlock { Text = json.GetRawText() } };
        if (!result.IsError && render is not null)
        {
            try
            {
                content.Add(ImageContentBlock.FromBytes(render(), "image/png"));
            }
            catch (ArgumentException)
            {
                // The image could not be drawn (a format SkiaSharp cannot decode, or more than MaxAnnotatedImagePixels); the JSON still stands.
            }
        }

        return new CallToolResult { StructuredContent = json, Content = content, IsError = result.IsError };
    }
}
