using System.Net;
using Microsoft.Extensions.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>Fetches images from allow-listed hosts with a byte cap and a timeout, without following redirects.</summary>
internal sealed class UrlImageFetcher
{
    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }));
    private readonly PaliGemmaToolOptions _options;

    public UrlImageFetcher(PaliGemmaToolOptions options) => _options = options;

    public async ValueTask<DataContent> FetchAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (_options.AllowedUrlHosts.Count == 0)
        {
            throw NotAllowed($"URLs are not accepted here ({uri.Host}). Pass the id of an image the host registered, or omit 'image' to use the image attached to the conversation.");
        }

        if (!_options.AllowedUrlHosts.Contains(uri.Host))
        {
            throw NotAllowed($"The host '{uri.Host}' is not on the allow-list of image hosts.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.UrlTimeout);
        HttpClient client = _options.HttpClient ?? SharedClient.Value;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                throw NotAllowed($"The URL redirected ({(int)response.StatusCode}); redirects are not followed.");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw Failed($"Fetching the URL failed with HTTP {(int)response.StatusCode}.");
            }

            if (response.Content.Headers.ContentLength is { } length && length > _options.MaxImageBytes)
            {
                throw TooLarge(length);
            }

            Stream stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                byte[] bytes = await ReadCappedAsync(stream, _options.MaxImageBytes, timeout.Token).ConfigureAwait(false);
                string mediaType = response.Content.Headers.ContentType?.MediaType is { } m && m.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                    ? m
                    : "image/*";
                return new DataContent(bytes, mediaType);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed($"Fetching the URL took longer than {_options.UrlTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException ex)
        {
            throw Failed($"Fetching the URL failed: {ex.Message}");
        }
    }

    private static async Task<byte[]> ReadCappedAsync(Stream stream, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(buffer.Length + read);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ImageReferenceException NotAllowed(string message) => new(PaliGemmaToolErrorCodes.UrlNotAllowed, message);

    private static ImageReferenceException Failed(string message) => new(PaliGemmaToolErrorCodes.UrlFetchFailed, message);

    private static ImageReferenceException TooLarge(long bytes) =>
        new(PaliGemmaToolErrorCodes.ImageTooLarge, $"The image at the URL is at least {bytes} bytes, more than the cap.");
}
