using PaliGemma.AI.Constraints;

namespace PaliGemma.AI;

/// <summary>Settings of a <see cref="PaliGemmaChatClient"/>: concurrency, caching and where images may come from.</summary>
/// <remarks>The client copies the values when it is created; later changes to this object have no effect on it.</remarks>
public sealed class PaliGemmaChatClientOptions
{
    /// <summary>The default of <see cref="ImageFeatureCacheCapacity"/>.</summary>
    public const int DefaultImageFeatureCacheCapacity = 16;

    /// <summary>The value of <see cref="MaxConcurrency"/> that lets the client choose (the default).</summary>
    public const int AutomaticConcurrency = 0;

    /// <summary>
    /// Gets or sets how many requests run generation at the same time; further requests wait in a queue.
    /// The default, <see cref="AutomaticConcurrency"/> (0), takes as many as one batch of the model holds when the model
    /// batches (<see cref="Runtime.PaliGemmaModel.MaxBatchSize"/>, 8 by default: concurrent greedy requests then share one
    /// generator, its threads and each decode step's weight reads), else 1 (unbatched generations would split the cores
    /// between them and add a KV cache each). The value in effect is <see cref="PaliGemmaChatClient.MaxConcurrency"/>.
    /// Set it above the batch size to run several batches at once (the cores are then split between them).
    /// </summary>
    public int MaxConcurrency { get; set; } = AutomaticConcurrency;

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
    /// Gets or sets whether images given as <c>https:</c> <see cref="Microsoft.Extensions.AI.UriContent"/> are
    /// downloaded. The default is <see langword="false"/>: remote URIs are refused, so that a prompt cannot make the
    /// host fetch arbitrary addresses. When set, only hosts on <see cref="AllowedImageHosts"/> are fetched, over https
    /// (unless <see cref="AllowInsecureHttpImages"/>), never from loopback, private, link-local or metadata addresses
    /// (unless <see cref="AllowPrivateNetworkImages"/>), without redirects, within <see cref="RemoteImageTimeout"/> and
    /// the encoded-size limit; see <see cref="ImageSourceOptions"/>.
    /// </summary>
    public bool AllowRemoteImages { get; set; }

    /// <summary>
    /// Gets the hosts whose image URLs may be fetched when <see cref="AllowRemoteImages"/> is set: <c>host</c> (default
    /// port), <c>host:port</c>, or <c>*</c> for any host (the address rules still apply). Empty means none.
    /// </summary>
    public IList<string> AllowedImageHosts { get; private set; } = [];

    /// <summary>Gets or sets whether plain <c>http:</c> image URLs are fetched too (default <see langword="false"/>).</summary>
    public bool AllowInsecureHttpImages { get; set; }

    /// <summary>
    /// Gets or sets whether image hosts may resolve to loopback, private, link-local or metadata addresses
    /// (default <see langword="false"/>).
    /// </summary>
    public bool AllowPrivateNetworkImages { get; set; }

    /// <summary>Gets or sets how long one image download may take (default 30 s).</summary>
    public TimeSpan RemoteImageTimeout { get; set; } = ImageSourceOptions.DefaultRemoteTimeout;

    /// <summary>
    /// Gets or sets whether images given as local <c>file:</c> <see cref="Microsoft.Extensions.AI.UriContent"/> are read.
    /// The default is <see langword="false"/>: whoever writes a message could otherwise name any image file the process
    /// can read. When set, only regular files under <see cref="AllowedImageRoots"/> are read (no <c>..</c>, no link
    /// leading outside, no hard link, FIFO or device), and every refusal or missing file is one
    /// <see cref="ImageErrorReason.FileNotAllowedOrNotFound"/> error.
    /// </summary>
    public bool AllowFileImages { get; set; }

    /// <summary>
    /// Gets or sets whether typed tasks are decoded under their output grammar (default <see langword="true"/>): a request
    /// whose task was set with <see cref="Microsoft.Extensions.AI.PaliGemmaChatOptionsExtensions.WithPaliGemmaTask"/> (as
    /// <see cref="PaliGemmaVision"/>, the tools and the typed endpoints do) and is <c>detect</c> or <c>segment</c> can then only
    /// produce complete objects with the requested labels (see <see cref="PaliGemmaOutputConstraint"/>). Raw-prompt requests
    /// are constrained only when they ask with
    /// <see cref="Microsoft.Extensions.AI.PaliGemmaChatOptionsExtensions.WithPaliGemmaConstrainedDecoding"/> or give allowed
    /// answers; a request's own setting wins over this one.
    /// </summary>
    public bool ConstrainTypedTasks { get; set; } = true;

    /// <summary>Gets the folders whose image files may be read when <see cref="AllowFileImages"/> is set (at least one is then required).</summary>
    public IList<string> AllowedImageRoots { get; private set; } = [];

    /// <summary>
    /// Gets or sets the client used to download remote images, or <see langword="null"/> for a shared one that
    /// enforces the address rules. A client you pass should be built on
    /// <see cref="ImageIntake.CreateRemoteHandler(ImageSourceOptions)"/> (or be the <see cref="ImageSourceOptions.HttpClientName"/>
    /// client of <c>IHttpClientFactory</c> registered by <c>AddPaliGemma</c>), or the address rules are not enforced.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Creates the image-source policy these options describe.</summary>
    /// <returns>A new <see cref="ImageSourceOptions"/>.</returns>
    public ImageSourceOptions ToImageSourceOptions() =>
        ImageSourceOptions.Create(AllowFileImages, AllowedImageRoots, AllowRemoteImages, AllowedImageHosts, AllowInsecureHttpImages, AllowPrivateNetworkImages, RemoteImageTimeout, HttpClient);

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public PaliGemmaChatClientOptions Clone()
    {
        var copy = (PaliGemmaChatClientOptions)MemberwiseClone();
        copy.AllowedImageRoots = [.. AllowedImageRoots];
        copy.AllowedImageHosts = [.. AllowedImageHosts];
        return copy;
    }
}
