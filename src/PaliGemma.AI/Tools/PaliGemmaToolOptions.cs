
namespace PaliGemma.AI;

/// <summary>Settings of the PaliGemma vision tools (Semantic Kernel plugin, AI functions, MCP server).</summary>
public sealed class PaliGemmaToolOptions
{
    /// <summary>
    /// Gets the folders whose files the LLM may name by path. Empty (the default) means file paths are refused.
    /// Relative paths are looked up under each root in order; absolute paths must lie under one. Only regular files
    /// with a single link are read, never through <c>..</c> or a link leading outside; every refusal reads like a
    /// missing file (<see cref="PaliGemmaToolErrorCodes.ImageNotFound"/>). The rules are <see cref="ImageSourceOptions"/>'s.
    /// </summary>
    public IList<string> AllowedRoots { get; } = [];

    /// <summary>
    /// Gets the hosts (exact, case-insensitive; <c>host:port</c> for a port other than the scheme's default, <c>*</c>
    /// for any host) whose <c>https:</c> URLs the tools may fetch. Empty (the default) means URLs are refused.
    /// Redirects are refused, and hosts that resolve to loopback, private, link-local or metadata addresses are
    /// refused unless <see cref="AllowPrivateNetworkUrls"/>; see <see cref="ImageSourceOptions"/>.
    /// </summary>
    public ISet<string> AllowedUrlHosts { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets whether plain <c>http:</c> URLs are fetched too (default false: https only).</summary>
    public bool AllowInsecureUrls { get; set; }

    /// <summary>Gets or sets whether URL hosts may resolve to loopback, private, link-local or metadata addresses (default false).</summary>
    public bool AllowPrivateNetworkUrls { get; set; }

    /// <summary>
    /// Gets or sets the client used to fetch allowed URLs, or null for a shared one that enforces the address rules
    /// and does not follow redirects. A client you pass should be built on
    /// <see cref="ImageIntake.CreateRemoteHandler(ImageSourceOptions)"/>, or the address rules are not enforced
    /// (redirect responses are refused either way).
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
    /// Gets or sets the mask decoder used to turn segmentation codes into masks when the vision service returned none, or
    /// null to rely on the vision service: <see cref="PaliGemmaVision"/> over a <see cref="PaliGemmaChatClient"/> already
    /// decodes masks with the model folder's <c>mask_decoder.onnx</c>. With neither, results carry boxes without masks.
    /// The tools do not dispose it.
    /// </summary>
    public MaskDecoder? MaskDecoder { get; set; }

    /// <summary>Creates the image-source policy these settings describe (files when roots are given, URLs when hosts are).</summary>
    /// <returns>A new <see cref="ImageSourceOptions"/>.</returns>
    public ImageSourceOptions ToImageSourceOptions() =>
        ImageSourceOptions.Create(AllowedRoots.Count > 0, AllowedRoots, AllowedUrlHosts.Count > 0, AllowedUrlHosts, AllowInsecureUrls, AllowPrivateNetworkUrls, UrlTimeout, HttpClient);

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

        ToImageSourceOptions().Validate();
    }
}
