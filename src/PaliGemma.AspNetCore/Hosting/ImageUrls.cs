using Microsoft.Extensions.AI;

namespace PaliGemma.AspNetCore;

/// <summary>
/// The server's image-URL policy: <c>data:image/…</c> URIs always; <c>http(s)</c> URLs only of a host in
/// <see cref="PaliGemmaServerOptions.AllowedUrlHosts"/>; anything else (<c>file:</c>, other schemes) never.
/// </summary>
internal static class ImageUrls
{
    public static AIContent Read(string url, string param, PaliGemmaServerOptions server)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            DataContent data;
            try
            {
                data = new DataContent(url);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                throw new RequestRejectedException($"'{param}' is not a valid data: URI ({ex.Message}).", param, code: "invalid_image_url");
            }

            return data.HasTopLevelMediaType("image")
                ? data
                : throw new RequestRejectedException($"'{param}' has media type '{data.MediaType}'; an image (image/*) is needed.", param, code: "invalid_image_url");
        }

        CheckUrl(url, param, server);
        return new UriContent(new Uri(url), "image/*");
    }

    /// <summary>Throws unless <paramref name="url"/> is an http(s) URL of an allowed host.</summary>
    public static void CheckUrl(string url, string param, PaliGemmaServerOptions server)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new RequestRejectedException($"'{param}' must be a data:image/...;base64 URI{(server.AllowedUrlHosts.Count > 0 ? " or an http(s) URL of an allowed host" : string.Empty)}.", param, code: "invalid_image_url");
        }

        if (!PaliGemma.AI.ImageSourceOptions.IsHostAllowed(server.AllowedUrlHosts, uri))
        {
            throw new RequestRejectedException(
                server.AllowedUrlHosts.Count == 0
                    ? $"'{param}' is an http(s) URL; this server accepts only data: image URIs (no allowed URL hosts are configured)."
                    : $"'{param}' names host '{uri.Authority}', which is not an allowed URL host of this server (entries are 'host' for the scheme's default port or 'host:port').",
                param,
                code: "url_not_allowed");
        }
    }
}
