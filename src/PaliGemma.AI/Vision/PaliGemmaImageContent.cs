using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>Wraps encoded image bytes, streams and files as <see cref="DataContent"/> with the right media type.</summary>
/// <remarks>
/// The bytes are read by <see cref="ImageIntake"/> under the encoded-size limit, and only the image header is read
/// (<see cref="PaliGemmaImageProcessor.Identify(byte[], ImageLoadOptions?)"/>), so unknown formats and oversized inputs
/// fail here, with <see cref="PaliGemmaImageException"/>, before any request. These helpers are for images the
/// application itself names; paths and URLs from requests go through <see cref="ImageIntake"/> with an
/// <see cref="ImageSourceOptions"/> policy.
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
        return Wrap(new ImageIntake(null, options), new EncodedImage(encodedImage));
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
        var intake = new ImageIntake(null, options);
        return Wrap(intake, await intake.ReadStreamAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reads an image file the application names (at most the encoded-size limit) and wraps it, named after the file.</summary>
    /// <param name="path">The file path; it must be a regular file (a FIFO or device is refused without blocking).</param>
    /// <param name="options">The limits to apply; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PaliGemmaImageException">The file is larger than the limit, empty, not a regular file, or not an image.</exception>
    public static async Task<DataContent> FromFileAsync(string path, ImageLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var intake = new ImageIntake(null, options);
        byte[] bytes = await Task.Run(() => AllowedFileRoots.ReadApplicationFile(path, intake.Limits.MaxEncodedBytes, $"the image file '{path}'"), cancellationToken).ConfigureAwait(false);
        return Wrap(intake, new EncodedImage(bytes, null, Path.GetFileName(path)));
    }

    private static DataContent Wrap(ImageIntake intake, EncodedImage image) =>
        intake.ToDataContent(image);
}
