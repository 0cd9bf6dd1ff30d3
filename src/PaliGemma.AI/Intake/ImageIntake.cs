using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// The image-intake stage: the only place that reads image sources — bytes, streams, <c>data:</c> URIs,
/// <c>file:</c> URIs and paths, <c>http(s):</c> URLs — under one <see cref="ImageSourceOptions"/> policy and one
/// <see cref="ImageLoadOptions"/> set of limits. The chat client, <see cref="PaliGemmaImageContent"/>, the Semantic
/// Kernel image references and the MCP server all read images through it; decoding, preprocessing, the vision
/// encoder and the feature cache follow in the same stage for chat requests.
/// </summary>
/// <remarks>
/// Thread-safe. Files and URLs are refused unless <see cref="ImageSourceOptions"/> enables them; see there for the
/// rules. Failures caused by the source are <see cref="PaliGemmaImageException"/>s whose
/// <see cref="PaliGemmaImageException.Reason"/> says why; a source kind that is switched off is a
/// <see cref="NotSupportedException"/> naming the option that enables it.
/// </remarks>
public sealed class ImageIntake
{
    /// <summary>
    /// Headers already read, keyed by the content object (not by its bytes): only the intake adds entries, so a caller
    /// cannot attach a header of its own; the size is used for coordinates, every limit is checked again when decoding.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DataContent, ImageInfo> IdentifiedContents = new();

    private readonly ImageSourceOptions _sources;
    private readonly ImageLoadOptions _limits;
    private readonly AllowedFileRoots _files;

    /// <summary>Initializes a new instance; the options are copied and validated.</summary>
    /// <param name="sources">Where images may come from, or null for bytes and <c>data:</c> URIs only.</param>
    /// <param name="limits">The limits (encoded bytes, pixels), or null for the defaults.</param>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="ImageSourceOptions.Validate"/>).</exception>
    public ImageIntake(ImageSourceOptions? sources = null, ImageLoadOptions? limits = null)
    {
        _sources = sources?.Clone() ?? new ImageSourceOptions();
        _sources.Validate();
        _limits = limits is null ? ImageLoadOptions.Default : Copy(limits);
        _files = new AllowedFileRoots(_sources.AllowFileImages ? _sources.AllowedFileRoots : []);
    }

    /// <summary>Gets the limits applied to every image read here.</summary>
    public ImageLoadOptions Limits => _limits;

    /// <summary>Gets whether files under allowed roots can be read.</summary>
    public bool AllowsFiles => _files.Enabled;

    /// <summary>Gets whether remote URLs can be fetched (from allowed hosts).</summary>
    public bool AllowsRemote => _sources.AllowRemoteImages && _sources.AllowedHosts.Count > 0;

    /// <summary>
    /// Creates the primary handler for remote-image downloads: it resolves the host, refuses non-public addresses
    /// (unless <see cref="ImageSourceOptions.AllowPrivateNetworks"/>), connects to the checked address, follows no
    /// redirects and uses no proxy. Use it for a client passed as <see cref="ImageSourceOptions.HttpClient"/> or for
    /// the <see cref="ImageSourceOptions.HttpClientName"/> client of <c>IHttpClientFactory</c>.
    /// </summary>
    /// <param name="options">The policy (only <see cref="ImageSourceOptions.AllowPrivateNetworks"/> and <see cref="ImageSourceOptions.RemoteTimeout"/> are used).</param>
    /// <returns>A new handler.</returns>
    public static HttpMessageHandler CreateRemoteHandler(ImageSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RemoteImageFetcher.CreateHandler(options.AllowPrivateNetworks, options.RemoteTimeout);
    }

    /// <summary>Reads the image of a chat message: a <see cref="DataContent"/>, or a <see cref="UriContent"/> with a <c>data:</c>, <c>file:</c> or <c>http(s):</c> URI.</summary>
    /// <param name="image">The content.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The encoded image.</returns>
    /// <exception cref="PaliGemmaImageException">The source is refused, missing, failing or too large.</exception>
    /// <exception cref="NotSupportedException">The source kind is switched off, or the content is neither data nor a URI.</exception>
    public ValueTask<EncodedImage> ReadAsync(AIContent image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image switch
        {
            DataContent data => ValueTask.FromResult(ReadBytes(data.Data, data.MediaType, data.Name)),
            UriContent uri => ReadUriAsync(uri.Uri, cancellationToken),
            _ => throw new NotSupportedException($"An image must be DataContent or UriContent, not {image.GetType().Name}."),
        };
    }

    /// <summary>Reads an image named by a <c>data:</c>, <c>file:</c> or <c>http(s):</c> URI.</summary>
    /// <param name="uri">The absolute URI.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The encoded image.</returns>
    /// <exception cref="PaliGemmaImageException">The source is refused, missing, failing or too large.</exception>
    /// <exception cref="NotSupportedException">The scheme is unknown or switched off.</exception>
    public async ValueTask<EncodedImage> ReadUriAsync(Uri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new NotSupportedException($"The image URI '{uri}' is relative; use an absolute data:, file: or https: URI.");
        }

        switch (uri.Scheme)
        {
            case "data":
                return DataUriDecoder.Decode(uri.OriginalString, _limits.MaxEncodedBytes);
            case "file" when uri.IsUnc || !(uri.Host.Length == 0 || uri.IsLoopback):
                throw new NotSupportedException($"The image URI '{uri}' names a file on another host ('{uri.Host}'); only local file: URIs are read.");
            case "file":
                return await ReadFileAsync(uri.LocalPath, cancellationToken).ConfigureAwait(false);
            case "http" or "https":
                return await RemoteImageFetcher.FetchAsync(uri, _sources, _limits.MaxEncodedBytes, cancellationToken).ConfigureAwait(false);
            default:
                throw new NotSupportedException($"The image URI scheme '{uri.Scheme}' is not supported; use image bytes, or a data:, file: or https: URI.");
        }
    }

    /// <summary>Gets the most characters a <c>data:</c> URI may have for images within <see cref="ImageLoadOptions.MaxEncodedBytes"/>; longer text is refused before it is decoded.</summary>
    public long MaxDataUriLength => DataUriDecoder.MaxUriLength(_limits.MaxEncodedBytes);

    /// <summary>
    /// Decodes a base64 <c>data:image/…</c> URI given as text (a <see cref="Uri"/> cannot hold more than about 64 K
    /// characters). The length is checked before anything is decoded or allocated.
    /// </summary>
    /// <param name="dataUri">The URI text.</param>
    /// <returns>The encoded image with the declared media type.</returns>
    /// <exception cref="PaliGemmaImageException">Malformed (<see cref="ImageErrorReason.InvalidSource"/>), empty or too large.</exception>
    public EncodedImage ReadDataUri(string dataUri)
    {
        ArgumentNullException.ThrowIfNull(dataUri);
        if (!dataUri.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            throw new PaliGemmaImageException(ImageErrorReason.InvalidSource, "InvalidSource: the text is not a data: URI.");
        }

        return DataUriDecoder.Decode(dataUri, _limits.MaxEncodedBytes);
    }

    /// <summary>Reads an image file under the allowed roots (a path relative to a root, or absolute).</summary>
    /// <param name="path">The path.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The encoded image, named after the file.</returns>
    /// <exception cref="PaliGemmaImageException"><see cref="ImageErrorReason.FileNotAllowedOrNotFound"/> for every refusal or missing file, or too large.</exception>
    /// <exception cref="NotSupportedException">Files are switched off (<see cref="ImageSourceOptions.AllowFileImages"/>).</exception>
    public async ValueTask<EncodedImage> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!_files.Enabled)
        {
            throw new NotSupportedException(
                "Image files are not read here (AllowFileImages is false, or no image folder is allowed). Pass the image bytes instead.");
        }

        byte[] bytes = await _files.ReadAsync(path, _limits.MaxEncodedBytes, cancellationToken).ConfigureAwait(false);
        return new EncodedImage(bytes, null, Path.GetFileName(path));
    }

    /// <summary>Reads an image stream from its position to its end, never buffering more than the limit plus one byte.</summary>
    /// <param name="stream">The stream; it is not disposed.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The encoded image.</returns>
    /// <exception cref="PaliGemmaImageException">The stream is longer than the limit, or empty.</exception>
    public async Task<EncodedImage> ReadStreamAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await BoundedReader.ReadAllAsync(stream, _limits.MaxEncodedBytes, "the image stream", cancellationToken).ConfigureAwait(false);
        return ReadBytes(bytes, null, null);
    }

    /// <summary>Accepts encoded bytes held in memory after checking their length.</summary>
    /// <param name="bytes">The bytes (not copied).</param>
    /// <param name="mediaType">The declared media type, or null.</param>
    /// <param name="name">A display name, or null.</param>
    /// <returns>The encoded image.</returns>
    /// <exception cref="PaliGemmaImageException">Empty or larger than the limit.</exception>
    public EncodedImage ReadBytes(ReadOnlyMemory<byte> bytes, string? mediaType = null, string? name = null)
    {
        SafeImageDecoder.CheckEncodedLength(bytes.Length, _limits, "the image");
        return new EncodedImage(bytes, mediaType, name);
    }

    /// <summary>Reads the header of an encoded image (size, format, orientation) under this intake's limits; no pixels are decoded.</summary>
    /// <param name="image">The image.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="PaliGemmaImageException">Unknown format or corrupt header.</exception>
    public ImageInfo Identify(EncodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return SafeImageDecoder.Identify(image.Bytes.Span, _limits, "the image");
    }

    /// <summary>
    /// Wraps an image as a <see cref="DataContent"/> with the media type its header declares, and remembers the header
    /// with that content object, so that <see cref="Identify(DataContent)"/> and
    /// <see cref="PaliGemmaImageProcessor.Identify(DataContent, ImageLoadOptions?)"/> return it without reading the header again
    /// (the Semantic Kernel tools: the reference resolver reads it, the tool and <see cref="PaliGemmaVision"/> reuse it).
    /// </summary>
    /// <param name="image">The image.</param>
    /// <returns>The content (the bytes are not copied).</returns>
    /// <exception cref="PaliGemmaImageException">Unknown format or corrupt header.</exception>
    public DataContent ToDataContent(EncodedImage image)
    {
        ImageInfo info = Identify(image);
        DataContent content = image.ToDataContent(info.MediaType);
        IdentifiedContents.AddOrUpdate(content, info);
        return content;
    }

    /// <summary>
    /// Returns the header of a <see cref="DataContent"/>: the one remembered for this very object when the intake
    /// identified it before (see <see cref="ToDataContent"/>), otherwise it reads the header and remembers it. The
    /// encoded length is checked against this intake's limit every time.
    /// </summary>
    /// <param name="content">The image content.</param>
    /// <returns>What the header declares.</returns>
    /// <exception cref="PaliGemmaImageException">Too large, unknown format or corrupt header.</exception>
    public ImageInfo Identify(DataContent content) => Identify(content, _limits);

    /// <summary>
    /// Returns <paramref name="content"/> when its media type is the one its header declares, otherwise a copy (same
    /// bytes and name) with the header's media type. The header is read at most once and remembered with the returned
    /// object (see <see cref="Identify(DataContent)"/>).
    /// </summary>
    /// <param name="content">The image content.</param>
    /// <returns>The content with the header's media type.</returns>
    /// <exception cref="PaliGemmaImageException">Too large, unknown format or corrupt header.</exception>
    public DataContent WithHeaderMediaType(DataContent content)
    {
        ImageInfo info = Identify(content);
        if (content.MediaType == info.MediaType)
        {
            return content;
        }

        var copy = new DataContent(content.Data, info.MediaType) { Name = content.Name };
        IdentifiedContents.AddOrUpdate(copy, info);
        return copy;
    }

    /// <summary>See <see cref="Identify(DataContent)"/>; under the given limits.</summary>
    internal static ImageInfo Identify(DataContent content, ImageLoadOptions limits)
    {
        ArgumentNullException.ThrowIfNull(content);
        SafeImageDecoder.CheckEncodedLength(content.Data.Length, limits, "the image");
        if (IdentifiedContents.TryGetValue(content, out ImageInfo? known))
        {
            return known;
        }

        ImageInfo info = SafeImageDecoder.Identify(content.Data.Span, limits, "the image");
        IdentifiedContents.AddOrUpdate(content, info);
        return info;
    }

    private static ImageLoadOptions Copy(ImageLoadOptions limits) => new()
    {
        MaxEncodedBytes = limits.MaxEncodedBytes,
        MaxPixels = limits.MaxPixels,
        MaxDimension = limits.MaxDimension,
        Transparency = limits.Transparency,
    };
}
