namespace PaliGemma.AI;

/// <summary>The <c>code</c> values of tool error results.</summary>
public static class PaliGemmaToolErrorCodes
{
    /// <summary>No image was given and the conversation has none attached.</summary>
    public const string ImageMissing = "image_missing";

    /// <summary>
    /// No registered image has that id, and no allowed file matches: the same code and message for a missing file and
    /// for a path that is refused (outside the roots, <c>..</c>, a link leading out, a hard link, not a regular file).
    /// </summary>
    public const string ImageNotFound = "image_not_found";

    /// <summary>No longer returned: refused paths are <see cref="ImageNotFound"/>, so that errors do not reveal which paths exist. Kept for compatibility.</summary>
    public const string PathNotAllowed = "path_not_allowed";

    /// <summary>No longer returned: folders, devices, FIFOs and sockets are <see cref="ImageNotFound"/>. Kept for compatibility.</summary>
    public const string NotAFile = "not_a_file";

    /// <summary>URLs are not allowed (no allow-list), the host or port is not on it, the scheme is not https, the host resolves to a non-public address, or the server redirected.</summary>
    public const string UrlNotAllowed = "url_not_allowed";

    /// <summary>Fetching an allowed URL failed (HTTP error, timeout).</summary>
    public const string UrlFetchFailed = "url_fetch_failed";

    /// <summary>The image is larger than the configured cap.</summary>
    public const string ImageTooLarge = "image_too_large";

    /// <summary>The reference is malformed (bad <c>data:</c> URI, bad base64, unsupported scheme).</summary>
    public const string InvalidReference = "invalid_reference";

    /// <summary>The bytes are not a supported image, or the image exceeds the pixel limits.</summary>
    public const string InvalidImage = "invalid_image";

    /// <summary>A label, question or language was rejected (for example it contains <c>;</c> or <c>&lt;</c>).</summary>
    public const string InvalidArgument = "invalid_argument";

    /// <summary>The model is busy (its request queue is full); try again later.</summary>
    public const string Busy = "busy";

    /// <summary>The model failed while running.</summary>
    public const string ModelError = "model_error";
}
