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

    /// <summary>Gets or sets the threads ONNX Runtime uses inside one operator, or null for its default.</summary>
    public int? IntraOpNumThreads { get; set; }

    /// <summary>Gets or sets how many requests generate at once (default 1); see <see cref="PaliGemmaChatClientOptions.MaxConcurrency"/>.</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many concurrent greedy requests may share one batched generator (default
    /// <see cref="PaliGemmaModelOptions.DefaultMaxBatchSize"/>, 1 = off); see <see cref="PaliGemmaModelOptions.MaxBatchSize"/>.
    /// </summary>
    public int MaxBatchSize { get; set; } = PaliGemmaModelOptions.DefaultMaxBatchSize;

    /// <summary>Gets or sets how many requests may wait for a slot, or null for no limit; see <see cref="PaliGemmaChatClientOptions.MaxQueueLength"/>.</summary>
    public int? MaxQueueLength { get; set; }

    /// <summary>Gets or sets how many images' vision features are cached (default 16, 0 disables).</summary>
    public int ImageFeatureCacheCapacity { get; set; } = PaliGemmaChatClientOptions.DefaultImageFeatureCacheCapacity;

    /// <summary>Gets or sets the largest accepted encoded image in bytes, or null for the image processor's default.</summary>
    public long? MaxImageBytes { get; set; }

    /// <summary>Gets or sets the most decoded pixels (width × height) accepted, or null for the image processor's default.</summary>
    public long? MaxImagePixels { get; set; }

    /// <summary>Gets or sets whether <c>http(s):</c> image URIs are downloaded (default false).</summary>
    public bool AllowRemoteImages { get; set; }

    /// <summary>Gets or sets whether local <c>file:</c> image URIs are read (default true); see <see cref="PaliGemmaChatClientOptions.AllowFileImages"/>.</summary>
    public bool AllowFileImages { get; set; } = true;

    /// <summary>Gets or sets the token limit of <see cref="IPaliGemmaVision"/> requests (default 256).</summary>
    public int VisionMaxOutputTokens { get; set; } = 256;
}
