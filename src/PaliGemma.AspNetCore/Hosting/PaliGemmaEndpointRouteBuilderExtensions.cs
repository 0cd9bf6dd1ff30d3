using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaliGemma.AspNetCore;
using PaliGemma.AspNetCore.OpenAI;
using PaliGemma.AspNetCore.Playground;
using PaliGemma.AspNetCore.Vision;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Maps the PaliGemma endpoints (register their services with <c>services.AddPaliGemma(...)</c> and
/// <c>services.AddPaliGemmaServer(...)</c>). Every endpoint but the health checks goes through the same guard: 503
/// while the host stops, the optional bearer API key (401), the request-body limit (413), a full queue (429 with
/// <c>Retry-After</c>), and a structured log line per request.
/// </summary>
public static class PaliGemmaEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps everything: <see cref="MapPaliGemmaHealth"/>, <see cref="MapPaliGemmaOpenAI"/>, <see cref="MapPaliGemmaVision"/>,
    /// <see cref="MapPaliGemmaMcp"/> and, unless <see cref="PaliGemmaServerOptions.EnablePlayground"/> is false,
    /// <see cref="MapPaliGemmaPlayground"/>.
    /// </summary>
    /// <param name="endpoints">The route builder (for example the <c>WebApplication</c>).</param>
    /// <returns>A group holding all the endpoints, for further conventions.</returns>
    public static RouteGroupBuilder MapPaliGemma(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(string.Empty);
        group.MapPaliGemmaHealth();
        group.MapPaliGemmaOpenAI();
        group.MapPaliGemmaVision();
        group.MapPaliGemmaMcp();
        if (endpoints.ServiceProvider.GetService<IOptions<PaliGemmaServerOptions>>()?.Value.EnablePlayground ?? true)
        {
            group.MapPaliGemmaPlayground();
        }

        return group;
    }

    /// <summary>
    /// Maps the playground, a single web page to try the model on an image: <c>GET /</c> (the page) and
    /// <c>GET /playground/{file}</c> (its script, style sheet, icon and the bundled example scenes), all embedded in this
    /// assembly. The page loads nothing from elsewhere (every response carries a Content-Security-Policy that allows only
    /// this server and no inline script or style) and calls only the public endpoints: streamed
    /// <c>POST /v1/chat/completions</c> for caption, describe, OCR and answer, <c>POST /v1/vision/detect</c> and
    /// <c>segment</c> for boxes and masks, and <c>GET /v1/models</c>; map those too (<see cref="MapPaliGemmaOpenAI"/>,
    /// <see cref="MapPaliGemmaVision"/>). The files need no API key (they hold nothing secret); the page sends the key the
    /// user types with its API calls.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <returns>A group holding the page's endpoints.</returns>
    public static RouteGroupBuilder MapPaliGemmaPlayground(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(string.Empty);
        group.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => PlaygroundFiles.ServeAsync(context, "index.html"));
        group.MapMethods("/playground/{**file}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string file) => PlaygroundFiles.ServeAsync(context, file));
        return group;
    }

    /// <summary>Maps <c>GET /healthz</c> (200 while the process runs) and <c>GET /readyz</c> (200 once the model is loaded, 503 before and while stopping). Neither needs the API key.</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <returns>A group holding the two endpoints.</returns>
    public static RouteGroupBuilder MapPaliGemmaHealth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(string.Empty);
        group.MapGet("/healthz", (HttpContext context) => WriteTextAsync(context, StatusCodes.Status200OK, "ok"));
        group.MapGet("/readyz", (HttpContext context) =>
        {
            PaliGemmaServerState state = context.RequestServices.GetRequiredService<PaliGemmaServerState>();
            return state.IsDraining ? WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "stopping")
                : state.IsReady ? WriteTextAsync(context, StatusCodes.Status200OK, "ready")
                : WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, state.LoadError is null ? "loading" : "failed");
        });
        return group;
    }

    /// <summary>Maps the OpenAI-compatible <c>POST /v1/chat/completions</c> (JSON or server-sent events) and <c>GET /v1/models</c>.</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <returns>A group holding the two endpoints.</returns>
    public static RouteGroupBuilder MapPaliGemmaOpenAI(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = Guarded(endpoints.MapGroup("/v1"));
        group.MapPost("/chat/completions", ChatCompletionsEndpoint.CompleteAsync);
        group.MapGet("/models", ChatCompletionsEndpoint.ModelsAsync);
        return group;
    }

    /// <summary>
    /// Maps <c>POST /v1/vision/detect</c>, <c>segment</c>, <c>caption</c>, <c>ocr</c> and <c>answer</c>: the image as a
    /// multipart file field <c>image</c> (with form fields <c>labels</c>, <c>question</c>, <c>language</c>) or JSON
    /// <c>{"image": "data:…", "labels": "cat, dog" | ["cat", "dog"], "question": "…", "language": "en"}</c>; the
    /// answer is the vision tools' JSON, or with <c>?annotate=true</c> (detect, segment) the annotated PNG.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <returns>A group holding the five endpoints.</returns>
    public static RouteGroupBuilder MapPaliGemmaVision(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = Guarded(endpoints.MapGroup("/v1/vision"));
        group.MapPost("/detect", VisionEndpoints.DetectAsync);
        group.MapPost("/segment", VisionEndpoints.SegmentAsync);
        group.MapPost("/caption", VisionEndpoints.CaptionAsync);
        group.MapPost("/ocr", VisionEndpoints.OcrAsync);
        group.MapPost("/answer", VisionEndpoints.AnswerAsync);
        return group;
    }

    /// <summary>Maps MCP over streamable HTTP at <paramref name="pattern"/> with the tools of <c>paligemma mcp</c> (detect, segment, caption, ocr, answer).</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The route (default <c>/mcp</c>).</param>
    /// <returns>A group holding the MCP endpoints.</returns>
    public static RouteGroupBuilder MapPaliGemmaMcp(this IEndpointRouteBuilder endpoints, string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = Guarded(endpoints.MapGroup(string.Empty));
        group.MapMcp(pattern);
        return group;
    }

    private static RouteGroupBuilder Guarded(RouteGroupBuilder group)
    {
        // A "finally" convention runs after the endpoint's request delegate is built, so it wraps every endpoint of
        // the group, those MapMcp adds included.
        ((IEndpointConventionBuilder)group).Finally(builder =>
        {
            if (builder.RequestDelegate is { } inner)
            {
                builder.RequestDelegate = ServerGuard.Wrap(inner);
            }
        });
        return group;
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
