using Microsoft.Extensions.AI;
using PaliGemma.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// The default <see cref="IImageReferenceResolver"/>. In order, a reference is:
/// <list type="number">
/// <item>null or empty: the latest image attached to the conversation (<see cref="ConversationImages"/>);</item>
/// <item><c>data:image/…;base64,…</c>: decoded, its length checked against the cap first;</item>
/// <item>a URL (<c>scheme://…</c>): fetched only from <see cref="PaliGemmaToolOptions.AllowedUrlHosts"/>;</item>
/// <item>an id in the <see cref="IImageStore"/>;</item>
/// <item>a file path under <see cref="PaliGemmaToolOptions.AllowedRoots"/> (see the path rules there).</item>
/// </list>
/// Anything else is <see cref="PaliGemmaToolErrorCodes.ImageNotFound"/>. Every result is checked to be a supported
/// image within <see cref="PaliGemmaToolOptions.MaxImageBytes"/>.
/// </summary>
public sealed class ImageReferenceResolver : IImageReferenceResolver
{
    private readonly IImageStore? _store;
    private readonly PaliGemmaToolOptions _options;
    private readonly AllowedFileReader _files;
    private readonly UrlImageFetcher _urls;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="store">The registered images, or null for none.</param>
    /// <param name="options">The settings, or null for the defaults (no file roots, no URLs).</param>
    public ImageReferenceResolver(IImageStore? store = null, PaliGemmaToolOptions? options = null)
    {
        _options = options ?? new PaliGemmaToolOptions();
        _options.Validate();
        _store = store;
        _files = new AllowedFileReader(_options.AllowedRoots);
        _urls = new UrlImageFetcher(_options);
    }

    /// <inheritdoc />
    public async ValueTask<DataContent> ResolveAsync(string? reference, CancellationToken cancellationToken = default)
    {
        // No id, path or URL is longer than the longest acceptable data: URI; refuse huge text before touching it.
        if (reference is not null && reference.Length > DataUriImageReader.MaxUriLength(_options.MaxImageBytes))
        {
            throw new ImageReferenceException(
                PaliGemmaToolErrorCodes.ImageTooLarge,
                $"The image reference is {reference.Length} characters; at most {DataUriImageReader.MaxUriLength(_options.MaxImageBytes)} are accepted (images up to {_options.MaxImageBytes} bytes). Register the image with the host and pass its id instead.");
        }

        DataContent image = await ResolveRawAsync(reference?.Trim(), cancellationToken).ConfigureAwait(false);
        if (image.Data.Length > _options.MaxImageBytes)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.ImageTooLarge, $"The image is {image.Data.Length} bytes; at most {_options.MaxImageBytes} are accepted.");
        }

        try
        {
            var info = PaliGemmaImageProcessor.Identify(image.Data.Span, new ImageLoadOptions { MaxEncodedBytes = _options.MaxImageBytes });
            return image.MediaType == info.MediaType ? image : new DataContent(image.Data, info.MediaType) { Name = image.Name };
        }
        catch (PaliGemmaImageException ex)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.InvalidImage, $"The image cannot be used: {ex.Message}", ex);
        }
    }

    private async ValueTask<DataContent> ResolveRawAsync(string? reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return (_options.UseConversationImage ? ConversationImages.FindLatest() : null)
                ?? throw new ImageReferenceException(
                    PaliGemmaToolErrorCodes.ImageMissing,
                    "No image was given and the conversation has no image attached. Pass 'image' (an image id the host gave you).");
        }

        if (reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return DataUriImageReader.Read(reference, _options.MaxImageBytes);
        }

        if (reference.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(reference, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ImageReferenceException(PaliGemmaToolErrorCodes.UrlNotAllowed, "Only image ids, data: URIs and (where enabled) http(s) URLs are accepted.");
            }

            return await _urls.FetchAsync(uri, cancellationToken).ConfigureAwait(false);
        }

        if (_store is not null && _store.TryGet(reference, out DataContent? stored))
        {
            return stored;
        }

        if (!_files.Enabled || reference.StartsWith(InMemoryImageStore.IdPrefix, StringComparison.Ordinal))
        {
            throw new ImageReferenceException(
                PaliGemmaToolErrorCodes.ImageNotFound,
                $"No image is registered with id '{Shorten(reference)}'. Use an id the host gave you, or omit 'image' to use the image attached to the conversation.");
        }

        string path = _files.ResolveFile(reference);
        try
        {
            return await PaliGemmaImageContent.FromFileAsync(path, new ImageLoadOptions { MaxEncodedBytes = _options.MaxImageBytes }, cancellationToken).ConfigureAwait(false);
        }
        catch (PaliGemmaImageException ex)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.InvalidImage, $"The file '{reference}' cannot be used: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.ImageNotFound, $"The file '{reference}' cannot be read.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.PathNotAllowed, $"The file '{reference}' cannot be read (access denied).", ex);
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
