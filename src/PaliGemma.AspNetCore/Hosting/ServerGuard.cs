using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaliGemma.AI;

namespace PaliGemma.AspNetCore;

/// <summary>
/// Wraps every PaliGemma endpoint (MCP's included): 503 while the host stops, the bearer API key (401), the
/// request-body limit (413), a full queue (429 with <c>Retry-After</c>), the in-flight count, and one structured log
/// line per request.
/// </summary>
internal sealed partial class ServerGuard
{
    private readonly PaliGemmaServerOptions _options;
    private readonly PaliGemmaServerState _state;
    private readonly ILogger _logger;
    private readonly byte[]? _keyHash;

    public ServerGuard(IOptions<PaliGemmaServerOptions> options, PaliGemmaServerState state, ILogger<ServerGuard> logger)
    {
        _options = options.Value;
        _state = state;
        _logger = logger;
        _keyHash = _options.ApiKey is { } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
    }

    /// <summary>Returns <paramref name="next"/> wrapped in the guard (the guard is resolved per request from the services).</summary>
    public static RequestDelegate Wrap(RequestDelegate next) =>
        context => context.RequestServices.GetRequiredService<ServerGuard>().InvokeAsync(context, next);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        long start = Stopwatch.GetTimestamp();
        _state.Enter();
        try
        {
            await GuardedAsync(context, next).ConfigureAwait(false);
        }
        finally
        {
            _state.Exit();
            Log.Request(_logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalMilliseconds, context.RequestAborted.IsCancellationRequested);
        }
    }

    private async Task GuardedAsync(HttpContext context, RequestDelegate next)
    {
        if (_state.IsDraining)
        {
            context.Response.Headers.Connection = "close";
            await HttpErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The server is shutting down; send the request to another replica or retry.", "server_error", null, "shutting_down", _options.RetryAfter).ConfigureAwait(false);
            return;
        }

        if (_keyHash is not null && !HasValidKey(context.Request))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid API key is required: send 'Authorization: Bearer <key>'.", HttpErrors.InvalidRequest, null, "invalid_api_key").ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentLength > _options.MaxRequestBytes)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxRequestBytes;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
        }
        catch (PaliGemmaQueueFullException) when (!context.Response.HasStarted)
        {
            await BusyAsync(context, _options.RetryAfter).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
    }

    public static Task BusyAsync(HttpContext context, TimeSpan retryAfter) =>
        HttpErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, "The model's request queue is full; retry after the time in the Retry-After header.", "rate_limit_error", null, "queue_full", retryAfter);

    private Task TooLargeAsync(HttpContext context) =>
        HttpErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than this server accepts ({_options.MaxRequestBytes} bytes).", HttpErrors.InvalidRequest, null, "request_too_large");

    private bool HasValidKey(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string Scheme = "Bearer ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hash both sides so the comparison takes the same time whatever the lengths.
        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(Scheme.Length).Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(given, _keyHash);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Method} {Path} answered {StatusCode} in {ElapsedMs:F1} ms (client aborted: {Aborted})")]
        public static partial void Request(ILogger logger, string method, string path, int statusCode, double elapsedMs, bool aborted);
    }
}
