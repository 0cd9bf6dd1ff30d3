using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaliGemma.AI;
using PaliGemma.AspNetCore.OpenAI;
using PaliGemma.Rendering;

namespace PaliGemma.AspNetCore.Vision;

/// <summary>
/// <c>POST /v1/vision/{detect,segment,caption,ocr,answer}</c>: an image (multipart field <c>image</c>, or JSON
/// <c>{"image": "data:…"}</c>) and the task's arguments in, the agent tools' JSON out
/// (<see cref="DetectToolResult"/>, <see cref="SegmentToolResult"/>, <see cref="TextToolResult"/>) plus a <c>metrics</c>
/// object with the request's figures (<see cref="PaliGemmaRequestMetrics"/>), or with <c>?annotate=true</c> (detect,
/// segment) the annotated PNG.
/// </summary>
internal static class VisionEndpoints
{
    public static Task DetectAsync(HttpContext context) => RunAsync(context, "detect");

    public static Task SegmentAsync(HttpContext context) => RunAsync(context, "segment");

    public static Task CaptionAsync(HttpContext context) => RunAsync(context, "caption");

    public static Task OcrAsync(HttpContext context) => RunAsync(context, "ocr");

    public static Task AnswerAsync(HttpContext context) => RunAsync(context, "answer");

    private static async Task RunAsync(HttpContext context, string task)
    {
        CancellationToken aborted = context.RequestAborted;
        IServiceProvider services = context.RequestServices;
        PaliGemmaServerOptions server = services.GetRequiredService<IOptions<PaliGemmaServerOptions>>().Value;
        PaliGemmaVisionTools tools = services.GetRequiredService<PaliGemmaVisionTools>();

        // The tools do not hand the chat response back; the chat client reports the request's figures to this observer.
        PaliGemmaRequestMetrics? metrics = null;
        using IDisposable observing = PaliGemmaRequestMetrics.Observe(m => metrics = m);
        try
        {
            bool annotate = ReadAnnotate(context.Request, task);
            VisionArguments? args = await ReadArgumentsAsync(context, tools, server).ConfigureAwait(false);
            if (args is null)
            {
                return;
            }

            switch (task)
            {
                case "detect":
                    DetectToolResult detect = await tools.DetectAsync(args.Image, Required(args.Labels, "labels"), aborted).ConfigureAwait(false);
                    await WriteAsync(context, detect, PaliGemmaToolJsonContext.Default.DetectToolResult, server, metrics,
                        annotate && detect.Source is { } d ? () => AnnotatedImageRenderer.Render(args.Image.Data.ToArray(), d.Objects) : null).ConfigureAwait(false);
                    break;
                case "segment":
                    SegmentToolResult segment = await tools.SegmentAsync(args.Image, Required(args.Labels, "labels"), aborted).ConfigureAwait(false);
                    await WriteAsync(context, segment, PaliGemmaToolJsonContext.Default.SegmentToolResult, server, metrics,
                        annotate && segment.Source is { } s ? () => AnnotatedImageRenderer.Render(args.Image.Data.ToArray(), s.Objects) : null).ConfigureAwait(false);
                    break;
                case "caption":
                    await WriteAsync(context, await tools.CaptionAsync(args.Image, args.Language, aborted).ConfigureAwait(false), PaliGemmaToolJsonContext.Default.TextToolResult, server, metrics, null).ConfigureAwait(false);
                    break;
                case "ocr":
                    await WriteAsync(context, await tools.OcrAsync(args.Image, aborted).ConfigureAwait(false), PaliGemmaToolJsonContext.Default.TextToolResult, server, metrics, null).ConfigureAwait(false);
                    break;
                default:
                    await WriteAsync(context, await tools.AnswerAsync(args.Image, Required(args.Question, "question"), args.Language, aborted).ConfigureAwait(false), PaliGemmaToolJsonContext.Default.TextToolResult, server, metrics, null).ConfigureAwait(false);
                    break;
            }
        }
        catch (RequestRejectedException ex)
        {
            await HttpErrors.WriteAsync(context, ex.Status, ex.Message, HttpErrors.InvalidRequest, ex.Param, ex.Code).ConfigureAwait(false);
        }
    }

    private static bool ReadAnnotate(HttpRequest request, string task)
    {
        string? value = request.Query["annotate"];
        if (value is null)
        {
            return false;
        }

        if (!bool.TryParse(value, out bool annotate))
        {
            throw new RequestRejectedException($"'annotate' is '{value}'; use true or false.", "annotate");
        }

        return annotate && task is not ("detect" or "segment")
            ? throw new RequestRejectedException($"'annotate' applies to detect and segment; {task} returns text only.", "annotate")
            : annotate;
    }

    private static async Task<VisionArguments?> ReadArgumentsAsync(HttpContext context, PaliGemmaVisionTools tools, PaliGemmaServerOptions server)
    {
        HttpRequest request = context.Request;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                // A malformed multipart body, or a form value past ASP.NET Core's form limits (send big images as files).
                throw new RequestRejectedException($"The multipart form cannot be read: {ex.Message}", "image", StatusCodes.Status400BadRequest, "invalid_form");
            }

            DataContent image;
            if (form.Files.GetFile("image") is { } file)
            {
                if (file.Length > server.MaxRequestBytes)
                {
                    throw new RequestRejectedException($"The image is {file.Length} bytes; at most {server.MaxRequestBytes} are accepted.", "image", StatusCodes.Status413PayloadTooLarge, "image_too_large");
                }

                using var buffer = new MemoryStream((int)file.Length);
                await file.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                image = Identify(buffer.ToArray(), tools);
            }
            else
            {
                image = await ResolveAsync(form["image"], tools, server, context.RequestAborted).ConfigureAwait(false);
            }

            return new VisionArguments(image, Labels(form["labels"].Count > 1 ? string.Join(", ", form["labels"]!) : (string?)form["labels"]), form["question"], form["language"]);
        }

        VisionRequestWire? body = await ChatCompletionsEndpoint.ReadJsonAsync(context, ServerJsonContext.Default.VisionRequestWire).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        string? labels = body.Labels switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.Array } a when a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                => string.Join(", ", a.EnumerateArray().Select(e => e.GetString())),
            _ => throw new RequestRejectedException("'labels' must be a string (\"cat, dog\") or an array of strings.", "labels"),
        };
        DataContent content = await ResolveAsync(body.Image, tools, server, context.RequestAborted).ConfigureAwait(false);
        return new VisionArguments(content, labels, body.Question, body.Language);
    }

    private static string? Labels(string? labels) => labels;

    private static async Task<DataContent> ResolveAsync(string? image, PaliGemmaVisionTools tools, PaliGemmaServerOptions server, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new RequestRejectedException("'image' is missing: send a multipart file field 'image', or JSON {\"image\": \"data:image/...;base64,...\"}.", "image", code: "image_missing");
        }

        image = image.Trim();
        if (!image.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            // Only data: URIs and URLs of allowed hosts: never image-store ids or file paths.
            ImageUrls.CheckUrl(image, "image", server);
        }

        try
        {
            return await tools.ResolveImageAsync(image, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageReferenceException ex)
        {
            throw new RequestRejectedException(ex.Message, "image", StatusOf(ex.Code), ex.Code);
        }
    }

    private static DataContent Identify(byte[] bytes, PaliGemmaVisionTools tools)
    {
        try
        {
            // The content carries the header it was identified with, so the tool call does not read it again.
            return PaliGemmaImageContent.FromBytes(bytes, new ImageLoadOptions { MaxEncodedBytes = tools.Options.MaxImageBytes });
        }
        catch (PaliGemmaImageException ex)
        {
            throw new RequestRejectedException($"The image cannot be used: {ex.Message}", "image", StatusCodes.Status400BadRequest, PaliGemmaToolErrorCodes.InvalidImage);
        }
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new RequestRejectedException($"'{name}' is missing.", name) : value;

    private static async Task WriteAsync<T>(HttpContext context, T result, JsonTypeInfo<T> typeInfo, PaliGemmaServerOptions server, PaliGemmaRequestMetrics? metrics, Func<byte[]>? render)
        where T : PaliGemmaToolResult
    {
        HttpResponse response = context.Response;
        if (result.IsError)
        {
            response.StatusCode = StatusOf(result.Code);
            if (response.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(server.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        else if (render is not null)
        {
            byte[] png;
            try
            {
                png = render();
            }
            catch (ArgumentException ex)
            {
                throw new RequestRejectedException($"The image decodes for the model but cannot be drawn: {ex.Message}", "annotate", code: "cannot_annotate");
            }

            response.ContentType = "image/png";
            await response.Body.WriteAsync(png, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.ContentType = "application/json";
        if (result.IsError || MetricsWire.From(metrics) is not { } figures)
        {
            await JsonSerializer.SerializeAsync(response.Body, result, typeInfo, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // The tools' JSON plus "metrics" (an extension field; readers of the tool JSON ignore it).
        JsonObject body = JsonSerializer.SerializeToNode(result, typeInfo)!.AsObject();
        body["metrics"] = JsonSerializer.SerializeToNode(figures, ServerJsonContext.Default.MetricsWire);
        await using var writer = new Utf8JsonWriter(response.Body);
        body.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The HTTP status of a tool error code.</summary>
    internal static int StatusOf(string? code) => code switch
    {
        PaliGemmaToolErrorCodes.Busy => StatusCodes.Status429TooManyRequests,
        PaliGemmaToolErrorCodes.ImageTooLarge => StatusCodes.Status413PayloadTooLarge,
        PaliGemmaToolErrorCodes.ModelError => StatusCodes.Status500InternalServerError,
        PaliGemmaToolErrorCodes.UrlFetchFailed => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status400BadRequest,
    };

    private sealed record VisionArguments(DataContent Image, string? Labels, string? Question, string? Language);
}
