using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaliGemma.AI;

namespace PaliGemma.AspNetCore.OpenAI;

/// <summary><c>POST /v1/chat/completions</c> and <c>GET /v1/models</c> over the PaliGemma <see cref="IChatClient"/>.</summary>
internal static class ChatCompletionsEndpoint
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public static async Task ModelsAsync(HttpContext context)
    {
        string model = ModelId(context.RequestServices);
        var list = new ModelListWire { Data = [new ModelWire { Id = model, Created = StartedAt }] };
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, list, ServerJsonContext.Default.ModelListWire, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task CompleteAsync(HttpContext context)
    {
        IServiceProvider services = context.RequestServices;
        PaliGemmaServerOptions server = services.GetRequiredService<IOptions<PaliGemmaServerOptions>>().Value;
        CancellationToken aborted = context.RequestAborted;

        ChatCompletionRequest? request = await ReadJsonAsync(context, ServerJsonContext.Default.ChatCompletionRequest).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        List<ChatMessage> messages;
        ChatOptions options;
        try
        {
            (messages, options, string imageParam) = ChatCompletionRequestReader.Read(request, server);
            await FetchAllowedUrlAsync(messages[0], imageParam, services, aborted).ConfigureAwait(false);
        }
        catch (RequestRejectedException ex)
        {
            await HttpErrors.WriteAsync(context, ex.Status, ex.Message, HttpErrors.InvalidRequest, ex.Param, ex.Code).ConfigureAwait(false);
            return;
        }

        IChatClient client = services.GetRequiredKeyedService<IChatClient>(PaliGemmaServiceCollectionExtensions.ServiceKey);
        string model = ModelId(services);
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Pull the first update before answering: invalid requests, a full queue and undecodable images surface here,
        // while a status code can still be sent.
        await using IAsyncEnumerator<ChatResponseUpdate> updates = client.GetStreamingResponseAsync(messages, options, aborted).GetAsyncEnumerator(aborted);
        bool any;
        try
        {
            any = await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ClientError(ex) is { } error)
        {
            await HttpErrors.BadRequestAsync(context, error, null, ex is PaliGemmaImageException ? "invalid_image" : "invalid_request").ConfigureAwait(false);
            return;
        }

        if (request.Stream == true)
        {
            await StreamAsync(context, updates, any, id, created, model, request.StreamOptions?.IncludeUsage == true).ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        PaliGemmaRequestMetrics? metrics = null;
        for (bool more = any; more; more = await updates.MoveNextAsync().ConfigureAwait(false))
        {
            Collect(updates.Current, text, ref finish, ref usage, ref metrics);
        }

        var response = new ChatCompletionResponse
        {
            Id = id,
            Created = created,
            Model = model,
            Choices = [new ChatChoiceWire { Message = new AssistantMessageWire { Content = text.ToString() }, FinishReason = FinishReason(finish) }],
            Usage = Usage(usage),
            Metrics = MetricsWire.From(metrics),
        };
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, response, ServerJsonContext.Default.ChatCompletionResponse, aborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces an http(s) image (already checked against the allowed hosts) by its bytes, fetched the way the vision
    /// tools fetch: no redirects, size-capped, checked to be an image. The chat client never fetches for the server.
    /// </summary>
    private static async Task FetchAllowedUrlAsync(ChatMessage message, string param, IServiceProvider services, CancellationToken cancellationToken)
    {
        int index = message.Contents.ToList().FindIndex(c => c is UriContent);
        if (index < 0)
        {
            return;
        }

        var uri = (UriContent)message.Contents[index];
        try
        {
            message.Contents[index] = await services.GetRequiredService<PaliGemma.AI.PaliGemmaVisionTools>().ResolveImageAsync(uri.Uri.AbsoluteUri, cancellationToken).ConfigureAwait(false);
        }
        catch (PaliGemma.AI.ImageReferenceException ex)
        {
            throw new RequestRejectedException(ex.Message, param, Vision.VisionEndpoints.StatusOf(ex.Code), ex.Code);
        }
    }

    /// <summary>Reads a JSON body; writes a 400 naming the problem (and returns null) when it is not valid.</summary>
    internal static async Task<T?> ReadJsonAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).", HttpErrors.InvalidRequest, null, "unsupported_media_type").ConfigureAwait(false);
            return null;
        }

        try
        {
            T? value = await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, context.RequestAborted).ConfigureAwait(false);
            if (value is null)
            {
                await HttpErrors.BadRequestAsync(context, "The request body is JSON null; an object is expected.", null, "invalid_json").ConfigureAwait(false);
            }

            return value;
        }
        catch (JsonException ex)
        {
            string? param = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : null;
            await HttpErrors.BadRequestAsync(context, $"The request body is not valid JSON for this endpoint: {ex.Message}", param, "invalid_json").ConfigureAwait(false);
            return null;
        }
    }

    private static async Task StreamAsync(HttpContext context, IAsyncEnumerator<ChatResponseUpdate> updates, bool any, string id, long created, string model, bool includeUsage)
    {
        CancellationToken aborted = context.RequestAborted;
        HttpResponse response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        await WriteChunkAsync(response, Chunk(id, created, model, new DeltaWire { Role = "assistant", Content = string.Empty }, null), aborted).ConfigureAwait(false);
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        PaliGemmaRequestMetrics? metrics = null;
        try
        {
            for (bool more = any; more; more = await updates.MoveNextAsync().ConfigureAwait(false))
            {
                ChatResponseUpdate update = updates.Current;
                var text = new StringBuilder();
                Collect(update, text, ref finish, ref usage, ref metrics);
                if (text.Length > 0)
                {
                    await WriteChunkAsync(response, Chunk(id, created, model, new DeltaWire { Content = text.ToString() }, null), aborted).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // The status line is gone; report the failure in the stream as OpenAI does, then end it.
            var error = new ErrorResponseWire { Error = new ErrorWire { Message = ClientError(ex) ?? "The model failed while generating.", Type = "server_error" } };
            await WriteEventAsync(response, JsonSerializer.SerializeToUtf8Bytes(error, ServerJsonContext.Default.ErrorResponseWire), aborted).ConfigureAwait(false);
            return;
        }

        // The finish chunk carries the request's figures (an extension field; OpenAI clients ignore it).
        await WriteChunkAsync(response, Chunk(id, created, model, new DeltaWire(), FinishReason(finish), MetricsWire.From(metrics)), aborted).ConfigureAwait(false);
        if (includeUsage)
        {
            var last = new ChatCompletionChunk { Id = id, Created = created, Model = model, Choices = [], Usage = Usage(usage) };
            await WriteChunkAsync(response, last, aborted).ConfigureAwait(false);
        }

        await response.Body.WriteAsync(Done, aborted).ConfigureAwait(false);
        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
    }

    private static ChatCompletionChunk Chunk(string id, long created, string model, DeltaWire delta, string? finish, MetricsWire? metrics = null) =>
        new() { Id = id, Created = created, Model = model, Choices = [new ChunkChoiceWire { Delta = delta, FinishReason = finish }], Metrics = metrics };

    private static Task WriteChunkAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken) =>
        WriteEventAsync(response, JsonSerializer.SerializeToUtf8Bytes(chunk, ServerJsonContext.Default.ChatCompletionChunk), cancellationToken);

    private static async Task WriteEventAsync(HttpResponse response, byte[] json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(DataPrefix, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(EventEnd, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Collect(ChatResponseUpdate update, StringBuilder text, ref ChatFinishReason? finish, ref UsageDetails? usage, ref PaliGemmaRequestMetrics? metrics)
    {
        metrics = PaliGemmaRequestMetrics.From(update) ?? metrics;
        foreach (AIContent content in update.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case UsageContent u:
                    usage = u.Details;
                    break;
            }
        }

        finish = update.FinishReason ?? finish;
    }

    private static string? FinishReason(ChatFinishReason? reason) =>
        reason is null ? "stop" :
        reason == ChatFinishReason.Stop ? "stop" :
        reason == ChatFinishReason.Length ? "length" :
        reason == ChatFinishReason.ContentFilter ? "content_filter" :
        reason == ChatFinishReason.ToolCalls ? "tool_calls" :
        reason.Value.Value;

    private static UsageWire? Usage(UsageDetails? usage) => usage is null ? null : new UsageWire
    {
        PromptTokens = usage.InputTokenCount ?? 0,
        CompletionTokens = usage.OutputTokenCount ?? 0,
        TotalTokens = usage.TotalTokenCount ?? (usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0),
    };

    /// <summary>The message of a failure the client caused (bad prompt text, image), or null for anything else.</summary>
    internal static string? ClientError(Exception ex) => ex switch
    {
        PaliGemmaQueueFullException => null,
        PaliGemmaImageException image => "The image cannot be used: " + image.Message,
        ArgumentException or NotSupportedException or FormatException => ex.Message,
        _ => null,
    };

    internal static string ModelId(IServiceProvider services) =>
        services.GetRequiredService<IOptions<PaliGemmaServerOptions>>().Value.ModelId
        ?? services.GetRequiredKeyedService<IChatClient>(PaliGemmaServiceCollectionExtensions.ServiceKey).GetService<ChatClientMetadata>()?.DefaultModelId
        ?? "paligemma";

    private static long StartedAt { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
