namespace PaliGemma.AI;

/// <summary>
/// Where images may come from: the one policy for <c>file:</c> paths and <c>http(s):</c> URLs, used by the chat
/// client, the Semantic Kernel tools, the MCP server and the HTTP server through <see cref="ImageIntake"/>.
/// Image bytes and <c>data:</c> URIs are always accepted (within <see cref="ImageLoadOptions"/>); files and URLs are
/// refused unless enabled here.
/// </summary>
/// <remarks>
/// <para>
/// <b>Files.</b> With <see cref="AllowFileImages"/> set, a path (or <c>file:</c> URI) is read only when it names a
/// regular, non-empty file under one of <see cref="AllowedFileRoots"/>: no <c>..</c> segment, no symbolic link whose
/// target leaves the roots, no hard link (a file with more than one link), no folder, FIFO, socket or device. The
/// file is opened without blocking (a FIFO cannot stall the caller) and checked again on the open handle. Every
/// refusal, including a missing file, is the same <see cref="ImageErrorReason.FileNotAllowedOrNotFound"/> error with
/// the same message, so the answer does not tell whether a path exists.
/// </para>
/// <para>
/// <b>URLs.</b> With <see cref="AllowRemoteImages"/> set, a URL is fetched only when its host (and port) is on
/// <see cref="AllowedHosts"/>, its scheme is <c>https</c> (or <c>http</c> with <see cref="AllowInsecureHttp"/>), and
/// every address its host resolves to is public: loopback, private, link-local (including the cloud metadata
/// address 169.254.169.254), carrier-grade NAT, multicast, unique-local IPv6 (<c>fc00::/7</c>, which holds
/// <c>fd00::/8</c>) and other special ranges are refused unless <see cref="AllowPrivateNetworks"/> is set. The
/// address is checked when the connection is made and the connection goes to the checked address, so DNS
/// rebinding cannot slip past it. Redirects are refused, the download must finish within
/// <see cref="RemoteTimeout"/>, and the body is never buffered beyond <see cref="ImageLoadOptions.MaxEncodedBytes"/>.
/// </para>
/// </remarks>
public sealed class ImageSourceOptions
{
    /// <summary>
    /// The name of the <see cref="HttpClient"/> that <c>AddPaliGemma</c> registers with <c>IHttpClientFactory</c> for
    /// remote images (its primary handler enforces the address rules of these options).
    /// </summary>
    public const string HttpClientName = "PaliGemma.RemoteImages";

    /// <summary>The default of <see cref="RemoteTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultRemoteTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The <see cref="AllowedHosts"/> entry that allows every host (the address rules still apply).</summary>
    public const string AnyHost = "*";

    /// <summary>
    /// Gets or sets whether local files (<c>file:</c> URIs, paths) are read. The default is <see langword="false"/>.
    /// When set, <see cref="AllowedFileRoots"/> must name at least one folder.
    /// </summary>
    public bool AllowFileImages { get; set; }

    /// <summary>
    /// Gets the folders whose regular files may be read when <see cref="AllowFileImages"/> is set. Relative paths
    /// are looked up under each root in order; absolute paths must lie under one.
    /// </summary>
    public IList<string> AllowedFileRoots { get; private set; } = [];

    /// <summary>Gets or sets whether <c>http(s):</c> URLs are downloaded. The default is <see langword="false"/>.</summary>
    public bool AllowRemoteImages { get; set; }

    /// <summary>
    /// Gets the hosts whose URLs may be fetched when <see cref="AllowRemoteImages"/> is set: a host name or IP
    /// literal (exact, case-insensitive) for the scheme's default port, <c>host:port</c> for another port, or
    /// <see cref="AnyHost"/> (<c>*</c>) for every host on its default port. Empty means no URL is fetched.
    /// </summary>
    public ISet<string> AllowedHosts { get; private set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets whether plain <c>http:</c> URLs are fetched too (default <see langword="false"/>: https only).</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// Gets or sets whether hosts that resolve to loopback, private, link-local, metadata or other non-public
    /// addresses may be fetched. The default is <see langword="false"/>; set it only for trusted internal hosts.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Gets or sets how long one download may take, connection included (default 30 s).</summary>
    public TimeSpan RemoteTimeout { get; set; } = DefaultRemoteTimeout;

    /// <summary>
    /// Gets or sets the client used for downloads, or <see langword="null"/> for a private one built on
    /// <see cref="ImageIntake.CreateRemoteHandler(ImageSourceOptions)"/>. A client you pass must be built on that
    /// handler too, or the address rules (private networks, DNS rebinding) are not enforced; the scheme, host, port,
    /// redirect, timeout and size rules are enforced either way.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Creates a copy of these options (the lists are copied, the <see cref="HttpClient"/> is shared).</summary>
    /// <returns>A new instance with the same values.</returns>
    public ImageSourceOptions Clone()
    {
        var copy = (ImageSourceOptions)MemberwiseClone();
        copy.AllowedFileRoots = [.. AllowedFileRoots];
        copy.AllowedHosts = new HashSet<string>(AllowedHosts, StringComparer.OrdinalIgnoreCase);
        return copy;
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">Files are allowed without a root, a root is empty or missing, a host entry is malformed, or the timeout is not positive.</exception>
    public void Validate()
    {
        if (RemoteTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"ImageSourceOptions.RemoteTimeout must be positive, not {RemoteTimeout}.");
        }

        if (AllowFileImages && AllowedFileRoots.Count == 0)
        {
            throw new ArgumentException(
                "File images are allowed (AllowFileImages) but no folder is allowed: add the folders whose images may be read to the allowed image roots (ImageSourceOptions.AllowedFileRoots).");
        }

        foreach (string root in AllowedFileRoots)
        {
            if (string.IsNullOrWhiteSpace(root))
            {
                throw new ArgumentException("The allowed image roots contain an empty path.");
            }

            if (!Directory.Exists(root))
            {
                throw new ArgumentException($"The allowed image root '{root}' does not exist or is not a folder.");
            }
        }

        foreach (string host in AllowedHosts)
        {
            if (!IsValidHostEntry(host))
            {
                throw new ArgumentException($"The allowed image host '{host}' is not a host name, an IP literal or host:port.");
            }
        }
    }

    /// <summary>Whether <paramref name="entry"/> is a valid <see cref="AllowedHosts"/> entry: <c>host</c>, <c>host:port</c>, <c>[v6]:port</c> or <see cref="AnyHost"/>.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>True when the entry can be matched.</returns>
    public static bool IsValidHostEntry(string entry) => entry == AnyHost || RemoteHostRule.TryParse(entry, out _);

    /// <summary>
    /// Whether <paramref name="uri"/>'s host and port are allowed by one of <paramref name="entries"/> (a <c>host</c>
    /// entry allows the scheme's default port only; <c>host:port</c> that port). The one host rule, also used by the fetcher.
    /// </summary>
    /// <param name="entries">Allowed-host entries.</param>
    /// <param name="uri">An absolute http(s) URL.</param>
    /// <returns>True when allowed.</returns>
    public static bool IsHostAllowed(IEnumerable<string> entries, Uri uri)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(uri);
        return entries.Any(entry => RemoteHostRule.Matches(entry, uri));
    }

    /// <summary>Builds a policy from the settings of one of the option types that describe it (chat client, vision tools).</summary>
    internal static ImageSourceOptions Create(
        bool allowFiles, IEnumerable<string> roots, bool allowRemote, IEnumerable<string> hosts, bool allowInsecureHttp, bool allowPrivateNetworks, TimeSpan timeout, HttpClient? httpClient)
    {
        var sources = new ImageSourceOptions
        {
            AllowFileImages = allowFiles,
            AllowRemoteImages = allowRemote,
            AllowInsecureHttp = allowInsecureHttp,
            AllowPrivateNetworks = allowPrivateNetworks,
            RemoteTimeout = timeout,
            HttpClient = httpClient,
        };
        foreach (string root in roots)
        {
            sources.AllowedFileRoots.Add(root);
        }

        foreach (string host in hosts)
        {
            sources.AllowedHosts.Add(host);
        }

        return sources;
    }
}
