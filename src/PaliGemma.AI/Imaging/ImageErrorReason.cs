namespace PaliGemma.AI;

/// <summary>Why an image could not be loaded; carried by <see cref="PaliGemmaImageException.Reason"/>.</summary>
public enum ImageErrorReason
{
    /// <summary>The input held no bytes.</summary>
    Empty,

    /// <summary>The bytes are not in any supported image format (PNG, JPEG, GIF, WebP, BMP, ICO, WBMP).</summary>
    UnknownFormat,

    /// <summary>The format was recognised but the header or pixel data is invalid.</summary>
    Corrupt,

    /// <summary>The data ends before the image is complete.</summary>
    Truncated,

    /// <summary>The encoded image is larger than <see cref="ImageLoadOptions.MaxEncodedBytes"/>.</summary>
    EncodedTooLarge,

    /// <summary>The header declares more pixels than <see cref="ImageLoadOptions.MaxPixels"/>.</summary>
    TooManyPixels,

    /// <summary>The header declares a width or height above <see cref="ImageLoadOptions.MaxDimension"/> or below 1.</summary>
    DimensionOutOfRange,
}
