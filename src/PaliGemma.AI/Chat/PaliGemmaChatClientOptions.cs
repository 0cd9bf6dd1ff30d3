namespace PaliGemma.AI;

/// <summary>Settings of a <see cref="PaliGemmaChatClient"/>: concurrency, caching and where images may come from.</summary>
/// <remarks>The client copies the values when it is created; later changes to this object have no effect on it.</remarks>
public sealed class PaliGemmaChatClientOptions
{
    /// <summary>The default of <see cref="ImageFeatureCacheCapacity"/>.</summary>
    public const int DefaultImageFeatureCacheCapacity = 16;

    /// <summary>
    /// Gets or sets how many requests run generation at the same time; further requests wait in a queue.
    /// The default is 1: ONNX Runtime already spreads one request over all cores, so parallel requests on a
    /// CPU mostly add memory (one KV cache each) without adding throughput. Raise it on a GPU or many-core host.
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many requests may wait for a free slot when <see cref="MaxConcurrency"/> requests are
    /// running, or <see langword="null"/> (the default) for no limit. A request that finds the queue full fails
    /// at once with <see cref="PaliGemmaQueueFullException"/>; 0 means "never wait".
    /// </summary>
    public int? MaxQueueLength { get; set; }

    /// <summary>
    /// Gets or sets how many images' vision features are kept (least recently used are evicted), keyed by the
    /// SHA-256 of the encoded image bytes, the model id and the image size. 0 disables the cache.
    /// A feature entry holds <c>num_image_tokens × hidden</c> floats (2 MiB for a 224 px 3B model).
    /// </summary>
    public int ImageFeatureCacheCapacity { get; set; } = DefaultImageFeatureCacheCapacity;

    /// <summary>
    /// Gets or sets the limits applied when decoding untrusted images (encoded size, decoded pixels), or
    /// <see langword="null"/> for the image processor's defaults. The encoded-size limit also caps how much of a
    /// <c>file:</c> or remote image is read.
    /// </summary>
    public ImageLoadOptions? ImageLoadOptions { get; set; }

    /// <summary>
    /// Gets or sets whether images given as <c>http:</c>/<c>https:</c> <see cref="Microsoft.Extensions.AI.UriContent"/>
    /// are downloaded. The default is <see langword="false"/>: remote URIs are refused, so that a prompt cannot
    /// make the host fetch arbitrary addresses.
    /// </summary>
    public bool AllowRemoteImages { get; set; }

    /// <summary>
    /// Gets or sets whether images given as local <c>file:</c> <see cref="Microsoft.Extensions.AI.UriContent"/> are read
    /// (default <see langword="true"/>; at most <see cref="ImageLoadOptions.MaxEncodedBytes"/> bytes). Set it to
    /// <see langword="false"/> when messages come from untrusted callers, who could otherwise name any image file
    /// the process can read.
    /// </summary>
    public bool AllowFileImages { get; set; } = true;

    /// <summary>
    /// Gets or sets the client used to download remote images when <see cref="AllowRemoteImages"/> is set, or
    /// <see langword="null"/> to use a shared client created on first use.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public PaliGemmaChatClientOptions Clone() => (PaliGemmaChatClientOptions)MemberwiseClone();
}
