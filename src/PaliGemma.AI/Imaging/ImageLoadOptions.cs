namespace PaliGemma.AI;

/// <summary>
/// Limits and conversions applied when an untrusted encoded image is read and decoded. Every limit is checked
/// before the pixels are decoded: the encoded size while the bytes are read, the dimensions from the image header.
/// </summary>
/// <remarks>Setting a value outside its documented range throws <see cref="ArgumentOutOfRangeException"/>.</remarks>
public sealed class ImageLoadOptions
{
    /// <summary>The default for <see cref="MaxEncodedBytes"/>: 32 MiB.</summary>
    public const long DefaultMaxEncodedBytes = 32L * 1024 * 1024;

    /// <summary>The default for <see cref="MaxPixels"/>: 40 million pixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>The default for <see cref="MaxDimension"/>: 32,768 pixels.</summary>
    public const int DefaultMaxDimension = 32_768;

    /// <summary>The largest value accepted for <see cref="MaxEncodedBytes"/> (the bytes must fit one array).</summary>
    public const long MaxEncodedBytesLimit = 2_000_000_000;

    /// <summary>The largest value accepted for <see cref="MaxPixels"/> (the RGB pixels must fit one array).</summary>
    public const long MaxPixelsLimit = 500_000_000;

    private long _maxEncodedBytes = DefaultMaxEncodedBytes;
    private long _maxPixels = DefaultMaxPixels;
    private int _maxDimension = DefaultMaxDimension;
    private TransparencyMode _transparency = TransparencyMode.DropAlpha;

    /// <summary>Gets the shared instance with the default limits; used when a caller passes no options.</summary>
    internal static ImageLoadOptions Default { get; } = new();

    /// <summary>
    /// Gets or sets the largest encoded image, in bytes, that is read (1 to <see cref="MaxEncodedBytesLimit"/>).
    /// Streams are read no further than this many bytes plus one.
    /// </summary>
    public long MaxEncodedBytes
    {
        get => _maxEncodedBytes;
        set => _maxEncodedBytes = Check(value, 1, MaxEncodedBytesLimit, nameof(MaxEncodedBytes));
    }

    /// <summary>
    /// Gets or sets the largest width × height, in pixels, an image header may declare before the image is
    /// refused without being decoded (1 to <see cref="MaxPixelsLimit"/>).
    /// </summary>
    public long MaxPixels
    {
        get => _maxPixels;
        set => _maxPixels = Check(value, 1, MaxPixelsLimit, nameof(MaxPixels));
    }

    /// <summary>Gets or sets the largest width or height, in pixels, an image may declare (1 to 65,535).</summary>
    public int MaxDimension
    {
        get => _maxDimension;
        set => _maxDimension = (int)Check(value, 1, ushort.MaxValue, nameof(MaxDimension));
    }

    /// <summary>
    /// Gets or sets how transparent pixels become RGB. The default, <see cref="TransparencyMode.DropAlpha"/>,
    /// matches Hugging Face's PaliGemma preprocessing.
    /// </summary>
    public TransparencyMode Transparency
    {
        get => _transparency;
        set => _transparency = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Transparency), value, $"ImageLoadOptions.Transparency must be one of {string.Join(", ", Enum.GetNames<TransparencyMode>())}; got {(int)value}.");
    }

    private static long Check(long value, long min, long max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(
                name, value, $"ImageLoadOptions.{name} must be between {min:N0} and {max:N0}; got {value:N0}.");
        }

        return value;
    }
}
