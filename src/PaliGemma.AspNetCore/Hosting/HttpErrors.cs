using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PaliGemma.AspNetCore.OpenAI;

namespace PaliGemma.AspNetCore;

/// <summary>Writes OpenAI-style error bodies: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class HttpErrors
{
    public const string InvalidRequest = "invalid_request_error";

    public static Task WriteAsync(HttpContext context, int status, string message, string type = InvalidRequest, string? param = null, string? code = null, TimeSpan? retryAfter = null)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        response.ContentType = "application/json";
        var body = new ErrorResponseWire { Error = new ErrorWire { Message = message, Type = type, Param = param, Code = code } };
        return JsonSerializer.SerializeAsync(response.Body, body, ServerJsonContext.Default.ErrorResponseWire, context.RequestAborted);
    }

    public static Task BadRequestAsync(HttpContext context, string message, string? param, string? code = null) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);
}

/// <summary>A request the server refuses with 400 (or another 4xx), naming the offending field.</summary>
internal sealed class RequestRejectedException : Exception
{
    public RequestRejectedException(string message, string? param, int status = StatusCodes.Status400BadRequest, string? code = null)
        : base(message)
    {
        Param = param;
        Status = status;
        Code = code;
    }

    public RequestRejectedException()
    {
    }

    public RequestRejectedException(string message)
        : base(message)
    {
    }

    public RequestRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string? Param { get; }

    public int Status { get; } = StatusCodes.Status400BadRequest;

    public string? Code { get; }
}
