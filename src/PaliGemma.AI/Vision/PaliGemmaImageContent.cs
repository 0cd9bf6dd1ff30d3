using Microsoft.Extensions.AI;
using SixLabors.ImageSharp;

namespace PaliGemma.AI;

/// <summary>Wraps encoded image bytes, streams and files as <see cref="DataContent"/> with the right media type.</summary>
public static class PaliGemmaImageContent
{
    /// <summary>Wraps encoded image bytes; the media type is taken from the bytes' format signature.</summary>
    /// <param name="encodedImage">The encoded image (PNG, JPEG, GIF, BMP, WebP, TIFF, …).</param>
    /// <returns>The content (the array is not copied).</returns>
    /// <exception cref="ArgumentException">The bytes are empty or not in a known image format.</exception>
    public static DataContent FromBytes(byte[] encodedImage)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        if (encodedImage.Length == 0)
        {
            throw new ArgumentException("The image is empty (0 bytes).", nameof(encodedImage));
        }

        var format = Image.DetectFormat(encodedImage) ?? throw new ArgumentException(
            "The bytes are not in a known image format (PNG, JPEG, GIF, BMP, WebP, TIFF, TGA, PBM).", nameof(encodedImage));
        return new DataContent(encodedImage, format.DefaultMimeType);
    }

    /// <summary>Reads an image stream to its end, up to <paramref name="maxBytes"/>.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="maxBytes">The most bytes read (default 32 MiB).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content.</returns>
    /// <exception cref="ArgumentException">The stream is longer than <paramref name="maxBytes"/>, empty, or not an image.</exception>
    public static async Task<DataContent> FromStreamAsync(Stream stream, long maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new ArgumentException($"The image stream is longer than {maxBytes} bytes.", nameof(stream));
            }

            buffer.Write(chunk, 0, read);
        }

        return FromBytes(buffer.ToArray());
    }

    /// <summary>Reads an image file, up to <paramref name="maxBytes"/>.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="maxBytes">The most bytes read (default 32 MiB).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content, named after the file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">The file is larger than <paramref name="maxBytes"/>, empty, or not an image.</exception>
    public static async Task<DataContent> FromFileAsync(string path, long maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The image file '{path}' does not exist.", path);
        }

        var length = new FileInfo(path).Length;
        if (length > maxBytes)
        {
            throw new ArgumentException($"The image file '{path}' has {length} bytes, more than the limit of {maxBytes}.", nameof(path));
        }

        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var content = await FromStreamAsync(stream, maxBytes, cancellationToken).ConfigureAwait(false);
            content.Name = Path.GetFileName(path);
            return content;
        }
    }

    /// <summary>The default byte limit of <see cref="FromStreamAsync"/> and <see cref="FromFileAsync"/> (32 MiB).</summary>
    public const long DefaultMaxBytes = 32L * 1024 * 1024;
}
