using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>Wraps encoded image bytes, streams and files as <see cref="DataContent"/> with the right media type.</summary>
/// <remarks>
/// Only the image header is read (<see cref="PaliGemmaImageProcessor.Identify(byte[], ImageLoadOptions?)"/>), so
/// unknown formats and oversized inputs fail here, with <see cref="PaliGemmaImageException"/>, before any request.
/// </remarks>
public static class PaliGemmaImageContent
{
    /// <summary>Wraps encoded image bytes; the media type comes from the image header.</summary>
    /// <param name="encodedImage">The encoded image (PNG, JPEG, GIF, BMP, WebP, TIFF, …).</param>
    /// <param name="options">The limits to apply (the encoded size is checked); null for the defaults.</param>
    /// <returns>The content (the array is not copied).</returns>
    /// <exception cref="PaliGemmaImageException">The bytes are empty, too many, or not a known image format.</exception>
    public static DataContent FromBytes(byte[] encodedImage, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        var info = PaliGemmaImageProcessor.Identify(encodedImage, options);
        return new DataContent(encodedImage, info.MediaType);
    }

    /// <summary>Reads an image stream to its end (at most the encoded-size limit) and wraps it.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="options">The limits to apply; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content.</returns>
    /// <exception cref="PaliGemmaImageException">The stream is longer than the limit, empty, or not an image.</exception>
    public static async Task<DataContent> FromStreamAsync(Stream stream, ImageLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var maxBytes = (options ?? ImageLoadOptions.Default).MaxEncodedBytes;
        var bytes = await ImageSourceReader.ReadCappedAsync(stream, maxBytes, "the image stream", cancellationToken).ConfigureAwait(false);
        return FromBytes(bytes.ToArray(), options);
    }

    /// <summary>Reads an image file (at most the encoded-size limit) and wraps it, named after the file.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="options">The limits to apply; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PaliGemmaImageException">The file is larger than the limit, empty, or not an image.</exception>
    public static async Task<DataContent> FromFileAsync(string path, ImageLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var maxBytes = (options ?? ImageLoadOptions.Default).MaxEncodedBytes;
        var bytes = await ImageSourceReader.ReadFileAsync(Path.GetFullPath(path), maxBytes, cancellationToken).ConfigureAwait(false);
        var content = FromBytes(bytes.ToArray(), options);
        content.Name = Path.GetFileName(path);
        return content;
    }
}
