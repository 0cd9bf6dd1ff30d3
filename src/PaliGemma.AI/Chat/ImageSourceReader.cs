using System.Globalization;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>Gets the encoded bytes of a request's image, never reading more than the encoded-size limit.</summary>
internal static class ImageSourceReader
{
    private static readonly Lazy<HttpClient> SharedHttpClient = new(() => new HttpClient(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Reads the image bytes of a validated image content.</summary>
    /// <param name="image">A <see cref="DataContent"/> or a <c>file:</c>/<c>http(s):</c> <see cref="UriContent"/>.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="httpClient">The client for remote images, or null for a shared one.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The encoded image.</returns>
    /// <exception cref="PaliGemmaImageException">The image is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="FileNotFoundException">A <c>file:</c> image does not exist.</exception>
    public static async ValueTask<ReadOnlyMemory<byte>> ReadAsync(AIContent image, long maxBytes, HttpClient? httpClient, CancellationToken cancellationToken)
    {
        switch (image)
        {
            case DataContent data:
                CheckSize(data.Data.Length, maxBytes, "the DataContent image");
                return data.Data;
            case UriContent { Uri.Scheme: "file" } file:
                return await ReadFileAsync(file.Uri.LocalPath, maxBytes, cancellationToken).ConfigureAwait(false);
            case UriContent remote:
                return await ReadRemoteAsync(remote.Uri, maxBytes, httpClient ?? SharedHttpClient.Value, cancellationToken).ConfigureAwait(false);
            default:
                throw new ArgumentException($"Unsupported image content {image.GetType().Name}.", nameof(image));
        }
    }

    /// <summary>Reads a file, refusing it when it is larger than <paramref name="maxBytes"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes.</returns>
    internal static async ValueTask<ReadOnlyMemory<byte>> ReadFileAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The image file '{path}' does not exist.", path);
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            CheckSize(stream.Length, maxBytes, $"the image file '{path}'");
            return await ReadCappedAsync(stream, maxBytes, $"the image file '{path}'", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<ReadOnlyMemory<byte>> ReadRemoteAsync(Uri uri, long maxBytes, HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"Downloading the image '{uri}' failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }

        if (response.Content.Headers.ContentLength is { } length)
        {
            CheckSize(length, maxBytes, $"the remote image '{uri}'");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadCappedAsync(stream, maxBytes, $"the remote image '{uri}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a stream to its end, refusing it once it passes <paramref name="maxBytes"/>.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="what">Names the source in the error message.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes.</returns>
    internal static async ValueTask<ReadOnlyMemory<byte>> ReadCappedAsync(Stream stream, long maxBytes, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            CheckSize(buffer.Length + read, maxBytes, what);
            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static void CheckSize(long length, long maxBytes, string what)
    {
        if (length > maxBytes)
        {
            throw ImageErrors.TooManyBytes(string.Format(
                CultureInfo.InvariantCulture,
                "{0} is larger than the limit: {1} bytes > {2} bytes (ImageLoadOptions.MaxEncodedBytes).",
                char.ToUpperInvariant(what[0]) + what[1..],
                length,
                maxBytes));
        }
    }
}
