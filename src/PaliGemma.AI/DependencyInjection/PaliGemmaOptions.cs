using PaliGemma.AI.Runtime;

namespace PaliGemma.AI;

/// <summary>
/// Hosting settings of PaliGemma, bound by <c>services.AddPaliGemma(...)</c> (for example from the
/// <c>"PaliGemma"</c> configuration section) and validated when the services are first used.
/// </summary>
public sealed class PaliGemmaOptions
{
    /// <summary>The configuration section name conventionally used for these options.</summary>
    public const string SectionName = "PaliGemma";

    /// <summary>Gets or sets the model folder (holding <c>paligemma.json</c>). Required.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Gets or sets the ONNX Runtime execution provider: <c>cpu</c> (default) or <c>cuda</c>.</summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>
    /// Gets or sets the threads ONNX Runtime uses inside one operator, or null for the default: the cores available
    /// to the process divided by <see cref="MaxConcurrency"/> (see <see cref="PaliGemmaModelOptions.IntraOpNumThreads"/>).
    /// </summary>
    public int? IntraOpNumThreads { get; set; }

    /// <summary>
    /// Gets or sets how many requests generate at once: 0 (the default) lets the client choose, one batch's worth when the
    /// model batches, else 1; see <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/>.
    /// </summary>
    public int MaxConcurrency { get; set; } = PaliGemmaChatClientOptions.AutomaticConcurrency;

    /// <summary>
    /// Gets or sets how many concurrent greedy requests may share one batched generator (default
    /// <see cref="PaliGemmaModelOptions.DefaultMaxBatchSize"/>, 1 = off); see <see cref="PaliGemmaModelOptions.MaxBatchSize"/>.
    /// </summary>
    public int MaxBatchSize { get; set; } = PaliGemmaModelOptions.DefaultMaxBatchSize;

    /// <summary>Gets or sets how many requests may wait for a slot, or null for no limit; see <see cref="PaliGemmaChatClientOptions.MaxQueueLength"/>.</summary>
    public int? MaxQueueLength { get; set; }

    /// <summary>Gets or sets whether typed detect and segment tasks follow their output grammar (default true); see <see cref="PaliGemmaChatClientOptions.ConstrainTypedTasks"/>.</summary>
    public bool ConstrainTypedTasks { get; set; } = true;

    /// <summary>Gets or sets how many images' vision features are cached (default 16, 0 disables).</summary>
    public int ImageFeatureCacheCapacity { get; set; } = PaliGemmaChatClientOptions.DefaultImageFeatureCacheCapacity;

    /// <summary>Gets or sets the largest accepted encoded image in bytes, or null for the image processor's default.</summary>
    public long? MaxImageBytes { get; set; }

    /// <summary>Gets or sets the most decoded pixels (width × height) accepted, or null for the image processor's default.</summary>
    public long? MaxImagePixels { get; set; }

    /// <summary>
    /// Gets or sets whether <c>https:</c> image URIs are downloaded (default false), from <see cref="AllowedImageHosts"/>
    /// only; see <see cref="PaliGemmaChatClientOptions.AllowRemoteImages"/>. Downloads use the
    /// <see cref="ImageSourceOptions.HttpClientName"/> client of <c>IHttpClientFactory</c>.
    /// </summary>
    public bool AllowRemoteImages { get; set; }

    /// <summary>Gets the hosts whose image URLs may be fetched (<c>host</c>, <c>host:port</c> or <c>*</c>); see <see cref="PaliGemmaChatClientOptions.AllowedImageHosts"/>.</summary>
    public IList<string> AllowedImageHosts { get; } = [];

    /// <summary>Gets or sets whether plain <c>http:</c> image URLs are fetched too (default false).</summary>
    public bool AllowInsecureHttpImages { get; set; }

    /// <summary>Gets or sets whether image hosts may resolve to loopback, private, link-local or metadata addresses (default false).</summary>
    public bool AllowPrivateNetworkImages { get; set; }

    /// <summary>Gets or sets how long one image download may take (default 30 s).</summary>
    public TimeSpan RemoteImageTimeout { get; set; } = ImageSourceOptions.DefaultRemoteTimeout;

    /// <summary>
    /// Gets or sets whether local <c>file:</c> image URIs are read (default false), from regular files under
    /// <see cref="AllowedImageRoots"/> only; see <see cref="PaliGemmaChatClientOptions.AllowFileImages"/>.
    /// </summary>
    public bool AllowFileImages { get; set; }

    /// <summary>Gets the folders whose image files may be read when <see cref="AllowFileImages"/> is set.</summary>
    public IList<string> AllowedImageRoots { get; } = [];

    /// <summary>Gets or sets the token limit of <see cref="IPaliGemmaVision"/> requests (default 256).</summary>
    public int VisionMaxOutputTokens { get; set; } = 256;
}
