using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// The default <see cref="IImageReferenceResolver"/>. In order, a reference is:
/// <list type="number">
/// <item>null or empty: the latest image attached to the conversation (<see cref="ConversationImages"/>);</item>
/// <item><c>data:image/…;base64,…</c>: decoded, its length checked against the cap first;</item>
/// <item>a URL (<c>scheme://…</c>): fetched only from <see cref="PaliGemmaToolOptions.AllowedUrlHosts"/>;</item>
/// <item>an id in the <see cref="IImageStore"/>;</item>
/// <item>a file path under <see cref="PaliGemmaToolOptions.AllowedRoots"/> (see the path rules there).</item>
/// </list>
/// Anything else is <see cref="PaliGemmaToolErrorCodes.ImageNotFound"/>. Every source is read by the library's
/// <see cref="ImageIntake"/> stage (one policy, <see cref="ImageSourceOptions"/>, built by
/// <see cref="PaliGemmaToolOptions.ToImageSourceOptions"/>), and every result is checked to be a supported image within
/// <see cref="PaliGemmaToolOptions.MaxImageBytes"/>. A file that is outside the roots, reached through <c>..</c> or a
/// link that leaves them, a hard link, not a regular file, or missing gets one and the same
/// <see cref="PaliGemmaToolErrorCodes.ImageNotFound"/> error.
/// </summary>
public sealed class ImageReferenceResolver : IImageReferenceResolver
{
    /// <summary>The message of every refused or missing file reference.</summary>
    internal const string FileNotFoundMessage =
        "No registered image or allowed image file matches the reference. Use an id the host gave you, or a path of a regular image file inside the allowed folders (no '..', no links leading outside).";

    private readonly IImageStore? _store;
    private readonly PaliGemmaToolOptions _options;
    private readonly ImageIntake _intake;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="store">The registered images, or null for none.</param>
    /// <param name="options">The settings, or null for the defaults (no file roots, no URLs).</param>
    public ImageReferenceResolver(IImageStore? store = null, PaliGemmaToolOptions? options = null)
    {
        _options = options ?? new PaliGemmaToolOptions();
        _options.Validate();
        _store = store;
        _intake = new ImageIntake(_options.ToImageSourceOptions(), new ImageLoadOptions { MaxEncodedBytes = _options.MaxImageBytes });
    }

    /// <inheritdoc />
    public async ValueTask<DataContent> ResolveAsync(string? reference, CancellationToken cancellationToken = default)
    {
        // No id, path or URL is longer than the longest acceptable data: URI; refuse huge text before touching it.
        if (reference is not null && reference.Length > _intake.MaxDataUriLength)
        {
            throw new ImageReferenceException(
                PaliGemmaToolErrorCodes.ImageTooLarge,
                $"The image reference is {reference.Length} characters; at most {_intake.MaxDataUriLength} are accepted (images up to {_options.MaxImageBytes} bytes). Register the image with the host and pass its id instead.");
        }

        DataContent? stored = FindStored(reference?.Trim(), out string? trimmed);
        if (stored is not null)
        {
            return stored;
        }

        EncodedImage image;
        try
        {
            image = await ReadAsync(trimmed!, cancellationToken).ConfigureAwait(false);
        }
        catch (PaliGemmaImageException ex)
        {
            throw Map(ex);
        }

        try
        {
            return _intake.ToDataContent(image);
        }
        catch (PaliGemmaImageException ex)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.InvalidImage, $"The image cannot be used: {ex.Message}", ex);
        }
    }

    /// <summary>The conversation image or a registered image; null when the reference names something to read.</summary>
    private DataContent? FindStored(string? reference, out string? trimmed)
    {
        trimmed = reference;
        if (string.IsNullOrEmpty(reference))
        {
            DataContent latest = (_options.UseConversationImage ? ConversationImages.FindLatest() : null)
                ?? throw new ImageReferenceException(
                    PaliGemmaToolErrorCodes.ImageMissing,
                    "No image was given and the conversation has no image attached. Pass 'image' (an image id the host gave you).");
            return CheckStoredSize(latest);
        }

        if (reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || reference.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        if (_store is not null && _store.TryGet(reference, out DataContent? stored))
        {
            return CheckStoredSize(stored);
        }

        if (!_intake.AllowsFiles || reference.StartsWith(InMemoryImageStore.IdPrefix, StringComparison.Ordinal))
        {
            throw new ImageReferenceException(
                PaliGemmaToolErrorCodes.ImageNotFound,
                $"No image is registered with id '{Shorten(reference)}'. Use an id the host gave you, or omit 'image' to use the image attached to the conversation.");
        }

        return null;
    }

    private DataContent CheckStoredSize(DataContent image)
    {
        if (image.Data.Length > _options.MaxImageBytes)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.ImageTooLarge, $"The image is {image.Data.Length} bytes; at most {_options.MaxImageBytes} are accepted.");
        }

        try
        {
            return _intake.WithHeaderMediaType(image);
        }
        catch (PaliGemmaImageException ex)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.InvalidImage, $"The image cannot be used: {ex.Message}", ex);
        }
    }

    private async ValueTask<EncodedImage> ReadAsync(string reference, CancellationToken cancellationToken)
    {
        if (reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return _intake.ReadDataUri(reference);
        }

        if (reference.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(reference, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ImageReferenceException(PaliGemmaToolErrorCodes.UrlNotAllowed, "Only image ids, data: URIs and (where enabled) https URLs are accepted.");
            }

            if (!_intake.AllowsRemote)
            {
                throw new ImageReferenceException(
                    PaliGemmaToolErrorCodes.UrlNotAllowed,
                    $"URLs are not accepted here ({uri.Host}). Pass the id of an image the host registered, or omit 'image' to use the image attached to the conversation.");
            }

            return await _intake.ReadUriAsync(uri, cancellationToken).ConfigureAwait(false);
        }

        return await _intake.ReadFileAsync(reference, cancellationToken).ConfigureAwait(false);
    }

    private static ImageReferenceException Map(PaliGemmaImageException ex) => ex.Reason switch
    {
        ImageErrorReason.FileNotAllowedOrNotFound => new(PaliGemmaToolErrorCodes.ImageNotFound, FileNotFoundMessage),
        ImageErrorReason.RemoteNotAllowed => new(PaliGemmaToolErrorCodes.UrlNotAllowed, ex.Message, ex),
        ImageErrorReason.RemoteFetchFailed => new(PaliGemmaToolErrorCodes.UrlFetchFailed, ex.Message, ex),
        ImageErrorReason.EncodedTooLarge => new(PaliGemmaToolErrorCodes.ImageTooLarge, ex.Message + " Register the image with the host and pass its id instead.", ex),
        ImageErrorReason.InvalidSource or ImageErrorReason.Empty => new(PaliGemmaToolErrorCodes.InvalidReference, ex.Message, ex),
        _ => new(PaliGemmaToolErrorCodes.InvalidImage, $"The image cannot be used: {ex.Message}", ex),
    };

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
