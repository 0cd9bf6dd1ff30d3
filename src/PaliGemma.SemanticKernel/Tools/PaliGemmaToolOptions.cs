using PaliGemma.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>Settings of the PaliGemma vision tools (Semantic Kernel plugin, AI functions, MCP server).</summary>
public sealed class PaliGemmaToolOptions
{
    /// <summary>
    /// Gets the folders whose files the LLM may name by path. Empty (the default) means file paths are refused.
    /// Relative paths are looked up under each root in order; absolute paths must lie under one.
    /// </summary>
    public IList<string> AllowedRoots { get; } = [];

    /// <summary>
    /// Gets the host names (exact, case-insensitive) whose <c>https:</c> or <c>http:</c> URLs the tools may fetch.
    /// Empty (the default) means URLs are refused. Redirects are not followed.
    /// </summary>
    public ISet<string> AllowedUrlHosts { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the client used to fetch allowed URLs, or null for a private one that does not follow redirects.
    /// A client you pass must not follow redirects either (<c>AllowAutoRedirect = false</c>), or the allow-list can be bypassed.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Gets or sets how long a URL fetch may take (default 30 s).</summary>
    public TimeSpan UrlTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the largest image accepted from any reference, in encoded bytes (default 32 MiB, the image
    /// processor's default). A <c>data:</c> URI longer than the base64 length of this many bytes is refused before it is decoded.
    /// </summary>
    public long MaxImageBytes { get; set; } = ImageLoadOptions.DefaultMaxEncodedBytes;

    /// <summary>Gets or sets whether an omitted <c>image</c> means the latest image attached to the conversation (default true).</summary>
    public bool UseConversationImage { get; set; } = true;

    /// <summary>Gets or sets whether results carry the model's raw text (default true).</summary>
    public bool IncludeRawText { get; set; } = true;

    /// <summary>
    /// Gets or sets the mask decoder used to turn segmentation codes into masks, or null to return boxes without masks.
    /// The tools do not dispose it.
    /// </summary>
    public MaskDecoder? MaskDecoder { get; set; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range, or a root is empty or does not exist.</exception>
    public void Validate()
    {
        if (MaxImageBytes < 1 || MaxImageBytes > ImageLoadOptions.MaxEncodedBytesLimit)
        {
            throw new ArgumentException($"PaliGemmaToolOptions.MaxImageBytes must be between 1 and {ImageLoadOptions.MaxEncodedBytesLimit}, not {MaxImageBytes}.");
        }

        if (UrlTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"PaliGemmaToolOptions.UrlTimeout must be positive, not {UrlTimeout}.");
        }

        foreach (string root in AllowedRoots)
        {
            if (string.IsNullOrWhiteSpace(root))
            {
                throw new ArgumentException("PaliGemmaToolOptions.AllowedRoots contains an empty path.");
            }

            if (!Directory.Exists(root))
            {
                throw new ArgumentException($"The allowed root '{root}' does not exist or is not a folder.");
            }
        }
    }
}
