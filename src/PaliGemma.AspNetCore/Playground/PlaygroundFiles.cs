using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace PaliGemma.AspNetCore.Playground;

/// <summary>
/// The playground page's files, embedded in this assembly (<c>Playground/wwwroot</c> and the bundled example scenes):
/// a fixed set of names, served with a strict Content-Security-Policy (scripts, styles, images and requests from this
/// server only; no inline script or style), <c>nosniff</c>, no framing and an ETag.
/// </summary>
internal static class PlaygroundFiles
{
    /// <summary>The Content-Security-Policy of every playground response. <c>blob:</c> images are the user's own picture.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "playground/";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>Gets the names served under <c>/playground/</c> (for example <c>playground.js</c>, <c>examples/shapes.png</c>).</summary>
    public static IEnumerable<string> Names => Assets.Keys;

    /// <summary>Writes the file <paramref name="name"/>, or 404 when there is no such file.</summary>
    /// <param name="context">The request.</param>
    /// <param name="name">The file's name under <c>/playground/</c>.</param>
    /// <returns>A task that completes when the response is written.</returns>
    public static Task ServeAsync(HttpContext context, string name)
    {
        HttpResponse response = context.Response;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (!Assets.TryGetValue(name, out Asset? asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        Assembly assembly = typeof(PlaygroundFiles).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] bytes = buffer.ToArray();
            string etag = "\"" + Convert.ToHexString(SHA256.HashData(bytes), 0, 8).ToLower(CultureInfo.InvariantCulture) + "\"";
            assets[resource[ResourcePrefix.Length..]] = new Asset(bytes, ContentTypeOf(resource), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
