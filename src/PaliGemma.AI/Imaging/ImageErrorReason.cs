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

    /// <summary>
    /// A <c>file:</c> image or path is not allowed, or does not exist: outside every allowed root, reached through
    /// <c>..</c> or a link that leaves the roots, a hard link, not a regular file, or missing. One reason and one
    /// message for all of these, so that the answer does not reveal whether a path exists.
    /// </summary>
    FileNotAllowedOrNotFound,

    /// <summary>
    /// A remote image URL is refused by <see cref="ImageSourceOptions"/>: its scheme, host, port or resolved
    /// address is not allowed, or the server answered with a redirect.
    /// </summary>
    RemoteNotAllowed,

    /// <summary>Downloading an allowed remote image failed: an HTTP error status, a network error or the timeout.</summary>
    RemoteFetchFailed,

    /// <summary>The image reference is malformed, for example a <c>data:</c> URI that is not base64 or not <c>image/*</c>.</summary>
    InvalidSource,
}
