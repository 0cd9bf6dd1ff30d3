namespace PaliGemma.AI;

/// <summary>
/// Turns an encoded image (PNG, JPEG, GIF, WebP, BMP, ICO, WBMP) into PaliGemma's vision input the way
/// Hugging Face's SiglipImageProcessor does: EXIF orientation applied, RGB (alpha dropped by default, or
/// composited onto white, see <see cref="ImageLoadOptions.Transparency"/>),
/// bicubic resize to S × S matching Pillow, rescaled to [-1, 1], channel-first float32. On the fixtures in
/// tests/Fixtures/imaging the output equals Hugging Face's bit for bit (docs/fidelity.md).
/// </summary>
/// <remarks>
/// Input is treated as untrusted. The encoded size is capped while reading, and the header is checked against
/// <see cref="ImageLoadOptions"/> before any pixel is decoded, so decompression bombs are refused cheaply.
/// Every failure caused by the input is a <see cref="PaliGemmaImageException"/> whose
/// <see cref="PaliGemmaImageException.Reason"/> says why. All overloads funnel into the
/// <see cref="Preprocess(ReadOnlySpan{byte}, int, ImageLoadOptions?)"/> pipeline.
/// </remarks>
public static class PaliGemmaImageProcessor
{
    private const string DefaultSubject = "the image";

    /// <summary>Preprocesses an encoded image held in memory.</summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="size">The side of the square output in pixels (224, 448 or 896 for PaliGemma); must be positive.</param>
    /// <param name="options">The limits to apply; <see langword="null"/> for the defaults.</param>
    /// <returns>The CHW float32 pixel values in [-1, 1] and the original size.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative.</exception>
    /// <exception cref="PaliGemmaImageException">The image is empty, unknown, corrupt, truncated or over a limit.</exception>
    public static PreprocessedImage Preprocess(ReadOnlySpan<byte> encoded, int size, ImageLoadOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return PreprocessCore(encoded, size, options ?? ImageLoadOptions.Default, DefaultSubject);
    }

    /// <summary>Preprocesses an encoded image held in a byte array.</summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="size">The side of the square output in pixels (224, 448 or 896 for PaliGemma); must be positive.</param>
    /// <param name="options">The limits to apply; <see langword="null"/> for the defaults.</param>
    /// <returns>The CHW float32 pixel values in [-1, 1] and the original size.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="encoded"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative.</exception>
    /// <exception cref="PaliGemmaImageException">The image is empty, unknown, corrupt, truncated or over a limit.</exception>
    public static PreprocessedImage Preprocess(byte[] encoded, int size, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        return Preprocess(encoded.AsSpan(), size, options);
    }

    /// <summary>
    /// Preprocesses an encoded image read from <paramref name="stream"/>, from its current position to its end.
    /// At most <see cref="ImageLoadOptions.MaxEncodedBytes"/> + 1 bytes are read; the stream is not disposed.
    /// </summary>
    /// <param name="stream">The stream holding the encoded image.</param>
    /// <param name="size">The side of the square output in pixels (224, 448 or 896 for PaliGemma); must be positive.</param>
    /// <param name="options">The limits to apply; <see langword="null"/> for the defaults.</param>
    /// <returns>The CHW float32 pixel values in [-1, 1] and the original size.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative.</exception>
    /// <exception cref="PaliGemmaImageException">The image is empty, unknown, corrupt, truncated or over a limit.</exception>
    public static PreprocessedImage Preprocess(Stream stream, int size, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        options ??= ImageLoadOptions.Default;
        byte[] encoded = BoundedReader.ReadAll(stream, options.MaxEncodedBytes, DefaultSubject);
        return PreprocessCore(encoded, size, options, DefaultSubject);
    }

    /// <summary>
    /// Asynchronously preprocesses an encoded image read from <paramref name="stream"/>, from its current position
    /// to its end. At most <see cref="ImageLoadOptions.MaxEncodedBytes"/> + 1 bytes are read; the stream is not disposed.
    /// </summary>
    /// <param name="stream">The stream holding the encoded image.</param>
    /// <param name="size">The side of the square output in pixels (224, 448 or 896 for PaliGemma); must be positive.</param>
    /// <param name="options">The limits to apply; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels reading the stream.</param>
    /// <returns>The CHW float32 pixel values in [-1, 1] and the original size.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative.</exception>
    /// <exception cref="PaliGemmaImageException">The image is empty, unknown, corrupt, truncated or over a limit.</exception>
    public static async Task<PreprocessedImage> PreprocessAsync(
        Stream stream, int size, ImageLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        options ??= ImageLoadOptions.Default;
        byte[] encoded = await BoundedReader.ReadAllAsync(stream, options.MaxEncodedBytes, DefaultSubject, cancellationToken)
            .ConfigureAwait(false);
        return PreprocessCore(encoded, size, options, DefaultSubject);
    }

    /// <summary>Preprocesses the encoded image stored in the file at <paramref name="path"/>.</summary>
    /// <param name="path">The path of the image file.</param>
    /// <param name="size">The side of the square output in pixels (224, 448 or 896 for PaliGemma); must be positive.</param>
    /// <param name="options">The limits to apply; <see langword="null"/> for the defaults.</param>
    /// <returns>The CHW float32 pixel values in [-1, 1] and the original size.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PaliGemmaImageException">The image is empty, unknown, corrupt, truncated or over a limit; the message names the file.</exception>
    public static PreprocessedImage PreprocessFile(string path, int size, ImageLoadOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        options ??= ImageLoadOptions.Default;
        byte[] encoded = ReadFile(path, options, out string subject);
        return PreprocessCore(encoded, size, options, subject);
    }

    /// <summary>Reads the header of an encoded image: displayed size, format and EXIF orientation. No pixels are decoded.</summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="options">The limits to apply (only the encoded size is checked); <see langword="null"/> for the defaults.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="PaliGemmaImageException">The input is empty, too large, of unknown format or has a corrupt header.</exception>
    public static ImageInfo Identify(ReadOnlySpan<byte> encoded, ImageLoadOptions? options = null)
    {
        return SafeImageDecoder.Identify(encoded, options ?? ImageLoadOptions.Default, DefaultSubject);
    }

    /// <summary>
    /// Returns the header of an image content: the one the image-intake stage remembered for this very object
    /// (<see cref="ImageIntake.ToDataContent"/>, <see cref="ImageIntake.Identify(Microsoft.Extensions.AI.DataContent)"/>), so a tool call
    /// reads the header once; otherwise the header is read (and remembered). No pixels are decoded.
    /// </summary>
    /// <param name="image">The image content.</param>
    /// <param name="options">The limits to apply (only the encoded size is checked, every time); <see langword="null"/> for the defaults.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="PaliGemmaImageException">The input is empty, too large, of unknown format or has a corrupt header.</exception>
    public static ImageInfo Identify(Microsoft.Extensions.AI.DataContent image, ImageLoadOptions? options = null) =>
        ImageIntake.Identify(image, options ?? ImageLoadOptions.Default);

    /// <summary>Reads the header of an encoded image held in a byte array. No pixels are decoded.</summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="options">The limits to apply (only the encoded size is checked); <see langword="null"/> for the defaults.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="encoded"/> is <see langword="null"/>.</exception>
    /// <exception cref="PaliGemmaImageException">The input is empty, too large, of unknown format or has a corrupt header.</exception>
    public static ImageInfo Identify(byte[] encoded, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        return Identify(encoded.AsSpan(), options);
    }

    /// <summary>Reads the header of an encoded image from <paramref name="stream"/> (at most <see cref="ImageLoadOptions.MaxEncodedBytes"/> + 1 bytes).</summary>
    /// <param name="stream">The stream holding the encoded image; it is not disposed.</param>
    /// <param name="options">The limits to apply (only the encoded size is checked); <see langword="null"/> for the defaults.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="PaliGemmaImageException">The input is empty, too large, of unknown format or has a corrupt header.</exception>
    public static ImageInfo Identify(Stream stream, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ImageLoadOptions.Default;
        byte[] encoded = BoundedReader.ReadAll(stream, options.MaxEncodedBytes, DefaultSubject);
        return SafeImageDecoder.Identify(encoded, options, DefaultSubject);
    }

    /// <summary>Reads the header of the image file at <paramref name="path"/>. No pixels are decoded.</summary>
    /// <param name="path">The path of the image file.</param>
    /// <param name="options">The limits to apply (only the encoded size is checked); <see langword="null"/> for the defaults.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PaliGemmaImageException">The file is empty, too large, of unknown format or has a corrupt header; the message names the file.</exception>
    public static ImageInfo IdentifyFile(string path, ImageLoadOptions? options = null)
    {
        options ??= ImageLoadOptions.Default;
        byte[] encoded = ReadFile(path, options, out string subject);
        return SafeImageDecoder.Identify(encoded, options, subject);
    }

    /// <summary>
    /// Decodes and resizes an image to <paramref name="size"/> × <paramref name="size"/> 8-bit RGB, the step
    /// that must match Pillow; exposed for parity tests.
    /// </summary>
    internal static RgbImage ResizeToRgb(ReadOnlySpan<byte> encoded, int size, ImageLoadOptions? options = null) =>
        ResizeToRgb(encoded, size, options ?? ImageLoadOptions.Default, DefaultSubject, out _);

    private static PreprocessedImage PreprocessCore(ReadOnlySpan<byte> encoded, int size, ImageLoadOptions options, string subject)
    {
        RgbImage resized = ResizeToRgb(encoded, size, options, subject, out RgbImage original);
        return new PreprocessedImage(original.Width, original.Height, size, PixelNormalizer.ToChw(resized));
    }

    private static RgbImage ResizeToRgb(ReadOnlySpan<byte> encoded, int size, ImageLoadOptions options, string subject, out RgbImage original)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        original = SafeImageDecoder.Decode(encoded, options, subject);
        return BicubicResampler.Resize(original, size, size);
    }

    private static byte[] ReadFile(string path, ImageLoadOptions options, out string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        subject = $"the image file '{path}'";
        return AllowedFileRoots.ReadApplicationFile(path, options.MaxEncodedBytes, subject);
    }
}
