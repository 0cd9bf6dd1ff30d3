namespace PaliGemma.AspNetCore;

/// <summary>
/// Settings of the PaliGemma HTTP endpoints (set with <c>services.AddPaliGemmaServer(...)</c>; validated at start-up).
/// How many requests generate at once and how many may wait is the chat client's business
/// (<see cref="PaliGemma.AI.PaliGemmaOptions.MaxConcurrency"/>, <see cref="PaliGemma.AI.PaliGemmaOptions.MaxQueueLength"/>);
/// a full queue is answered with 429 and <see cref="RetryAfter"/>.
/// </summary>
public sealed class PaliGemmaServerOptions
{
    /// <summary>The default request-body limit: 48 MiB (a 32 MiB image as base64 plus the rest of a request).</summary>
    public const long DefaultMaxRequestBytes = 48L * 1024 * 1024;

    /// <summary>
    /// Gets or sets the API key clients must send as <c>Authorization: Bearer KEY</c>, or null for no key (the
    /// default). Compared in constant time. <c>/healthz</c> and <c>/readyz</c> never need it.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the largest request body accepted, in bytes (default <see cref="DefaultMaxRequestBytes"/>); larger bodies get 413.</summary>
    public long MaxRequestBytes { get; set; } = DefaultMaxRequestBytes;

    /// <summary>
    /// Gets the hosts whose <c>http(s)</c> image URLs requests may name: <c>host</c> (the scheme's default port) or <c>host:port</c>, case-insensitive (the image intake's rule, <see cref="PaliGemma.AI.ImageSourceOptions.IsHostAllowed"/>). Empty
    /// (the default): only <c>data:</c> image URIs are accepted, and URLs are refused with 400.
    /// </summary>
    public ISet<string> AllowedUrlHosts { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets whether plain <c>http:</c> image URLs of allowed hosts are fetched too (default false: https only).</summary>
    public bool AllowInsecureUrls { get; set; }

    /// <summary>
    /// Gets or sets whether allowed URL hosts may resolve to loopback, private, link-local or cloud-metadata addresses
    /// (default false: such addresses are refused after DNS resolution, so an allowed name cannot point inside the network).
    /// </summary>
    public bool AllowPrivateNetworkUrls { get; set; }

    /// <summary>Gets or sets the model id <c>/v1/models</c> lists and responses carry, or null for the model's own id.</summary>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the <c>Retry-After</c> given with 429 (queue full) and 503 (shutting down); default 1 s, whole seconds.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how long requests in flight may take to finish once the host begins to stop (default 30 s); it sets
    /// the host's <c>HostOptions.ShutdownTimeout</c>. New requests get 503 from the moment stopping begins.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets whether <c>MapPaliGemma()</c> maps the playground page at <c>/</c> (default true; see
    /// <c>MapPaliGemmaPlayground</c>). Read when the endpoints are mapped.
    /// </summary>
    public bool EnablePlayground { get; set; } = true;

    /// <summary>Gets or sets the most output tokens a chat completion may ask for (default 2048).</summary>
    public int MaxOutputTokens { get; set; } = 2048;

    /// <summary>Checks the settings.</summary>
    /// <returns>The problems found, empty when the settings are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ApiKey is not null && string.IsNullOrWhiteSpace(ApiKey))
        {
            errors.Add("PaliGemmaServerOptions.ApiKey is empty or white space; set a key or leave it null for no key.");
        }

        if (ApiKey is not null && ApiKey.Any(char.IsWhiteSpace))
        {
            errors.Add("PaliGemmaServerOptions.ApiKey contains white space; a bearer token cannot.");
        }

        if (MaxRequestBytes < 1024)
        {
            errors.Add($"PaliGemmaServerOptions.MaxRequestBytes is {MaxRequestBytes}; it must be at least 1024.");
        }

        if (RetryAfter < TimeSpan.FromSeconds(1) || RetryAfter > TimeSpan.FromHours(1))
        {
            errors.Add($"PaliGemmaServerOptions.RetryAfter is {RetryAfter}; it must be between 1 s and 1 h.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            errors.Add($"PaliGemmaServerOptions.ShutdownTimeout is {ShutdownTimeout}; it must not be negative.");
        }

        if (MaxOutputTokens < 1)
        {
            errors.Add($"PaliGemmaServerOptions.MaxOutputTokens is {MaxOutputTokens}; it must be at least 1.");
        }

        foreach (string host in AllowedUrlHosts)
        {
            if (host == PaliGemma.AI.ImageSourceOptions.AnyHost || !PaliGemma.AI.ImageSourceOptions.IsValidHostEntry(host))
            {
                errors.Add($"PaliGemmaServerOptions.AllowedUrlHosts holds '{host}', which is not a host entry (give 'images.example.com' for the scheme's default port or 'images.example.com:8443', without scheme or path).");
            }
        }

        if (ModelId is not null && string.IsNullOrWhiteSpace(ModelId))
        {
            errors.Add("PaliGemmaServerOptions.ModelId is empty; leave it null for the model's own id.");
        }

        return errors;
    }
}
