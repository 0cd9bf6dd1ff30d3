using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace PaliGemma.AI;

/// <summary>
/// Downloads remote images under <see cref="ImageSourceOptions"/>: scheme, host and port allow-list, no redirects,
/// a timeout, the encoded-size cap checked on <c>Content-Length</c> and enforced while streaming, and (through
/// <see cref="CreateHandler"/>) public addresses only, checked on the address actually connected to.
/// </summary>
internal static class RemoteImageFetcher
{
    private static readonly Lazy<HttpClient> PublicOnlyClient = new(() => CreateClient(allowPrivateNetworks: false));
    private static readonly Lazy<HttpClient> AnyAddressClient = new(() => CreateClient(allowPrivateNetworks: true));

    /// <summary>Creates the handler that resolves, checks and connects to public addresses only, without redirects or proxies.</summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateNetworks, TimeSpan connectTimeout) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false, // a proxy would make the checked address the proxy's, not the image host's
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = connectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivateNetworks, cancellationToken),
    };

    /// <summary>Fetches <paramref name="uri"/> after checking it against <paramref name="policy"/>.</summary>
    /// <exception cref="PaliGemmaImageException">Refused (<see cref="ImageErrorReason.RemoteNotAllowed"/>), failed
    /// (<see cref="ImageErrorReason.RemoteFetchFailed"/>) or too large (<see cref="ImageErrorReason.EncodedTooLarge"/>).</exception>
    public static async ValueTask<EncodedImage> FetchAsync(Uri uri, ImageSourceOptions policy, long maxBytes, CancellationToken cancellationToken)
    {
        CheckUri(uri, policy);
        HttpClient client = policy.HttpClient ?? (policy.AllowPrivateNetworks ? AnyAddressClient.Value : PublicOnlyClient.Value);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(policy.RemoteTimeout);
        string subject = $"the remote image '{uri}'";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/*"));
            using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is >= 300 and < 400 || (response.RequestMessage?.RequestUri is { } final && final != uri))
            {
                throw NotAllowed(uri, $"the server answered with a redirect (HTTP {status}); redirects are not followed");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new PaliGemmaImageException(
                    ImageErrorReason.RemoteFetchFailed,
                    string.Create(CultureInfo.InvariantCulture, $"RemoteFetchFailed: downloading {subject} failed with HTTP {status} {response.ReasonPhrase}."));
            }

            if (response.Content.Headers.ContentLength is { } length)
            {
                BoundedReader.CheckLength(length, maxBytes, subject);
            }

            Stream body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                byte[] bytes = await BoundedReader.ReadAllAsync(body, maxBytes, subject, timeout.Token).ConfigureAwait(false);
                string? mediaType = response.Content.Headers.ContentType?.MediaType;
                return new EncodedImage(bytes, mediaType is not null && mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ? mediaType : null);
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PaliGemmaImageException(
                ImageErrorReason.RemoteFetchFailed,
                string.Create(CultureInfo.InvariantCulture, $"RemoteFetchFailed: downloading {subject} took longer than {policy.RemoteTimeout.TotalSeconds:0.###} s (ImageSourceOptions.RemoteTimeout)."),
                ex);
        }
        catch (HttpRequestException ex) when (FindRefusal(ex) is { } refusal)
        {
            throw NotAllowed(uri, refusal.Message);
        }
        catch (HttpRequestException ex)
        {
            throw new PaliGemmaImageException(ImageErrorReason.RemoteFetchFailed, $"RemoteFetchFailed: downloading {subject} failed: {ex.Message}", ex);
        }
    }

    /// <summary>Checks scheme, user info, host and port, and an IP-literal host's address, before any connection.</summary>
    private static void CheckUri(Uri uri, ImageSourceOptions policy)
    {
        if (!policy.AllowRemoteImages)
        {
            throw new NotSupportedException(
                $"The image URI '{uri}' is remote. Remote images are not downloaded unless the host allows them (AllowRemoteImages, with the host in AllowedImageHosts); pass the image bytes instead.");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && policy.AllowInsecureHttp))
        {
            throw NotAllowed(uri, uri.Scheme == Uri.UriSchemeHttp
                ? "only https URLs are fetched (plain http needs ImageSourceOptions.AllowInsecureHttp)"
                : $"the scheme '{uri.Scheme}' is not fetched (https only)");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw NotAllowed(uri, "URLs with user information are not fetched");
        }

        if (!ImageSourceOptions.IsHostAllowed(policy.AllowedHosts, uri))
        {
            throw NotAllowed(uri, policy.AllowedHosts.Count == 0
                ? "no image host is allowed (add it to AllowedImageHosts / ImageSourceOptions.AllowedHosts)"
                : $"the host '{uri.Authority}' is not on the allow-list of image hosts");
        }

        if (!policy.AllowPrivateNetworks && uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            && IPAddress.TryParse(uri.IdnHost, out IPAddress? literal) && !NetworkAddressRules.IsPublic(literal))
        {
            throw NotAllowed(uri, $"the address {literal} is loopback, private, link-local or otherwise not public (ImageSourceOptions.AllowPrivateNetworks)");
        }
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(endpoint.Host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new IOException($"The host '{endpoint.Host}' has no address.");
        }

        if (!allowPrivateNetworks)
        {
            foreach (IPAddress address in addresses)
            {
                if (!NetworkAddressRules.IsPublic(address))
                {
                    throw new AddressRefusedException(
                        $"the host '{endpoint.Host}' resolves to {address}, which is loopback, private, link-local or otherwise not public (ImageSourceOptions.AllowPrivateNetworks)");
                }
            }
        }

        // Connect to the addresses just checked, never to a second resolution of the name.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static HttpClient CreateClient(bool allowPrivateNetworks) =>
        new(CreateHandler(allowPrivateNetworks, ImageSourceOptions.DefaultRemoteTimeout)) { Timeout = Timeout.InfiniteTimeSpan };

    private static AddressRefusedException? FindRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is AddressRefusedException refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    private static PaliGemmaImageException NotAllowed(Uri uri, string why) =>
        new(ImageErrorReason.RemoteNotAllowed, $"RemoteNotAllowed: the image URL '{uri}' is refused: {why}.");

    /// <summary>Raised inside the connect callback when a resolved address is not public.</summary>
    private sealed class AddressRefusedException(string message) : IOException(message);
}

/// <summary>Matches a URL against one <see cref="ImageSourceOptions.AllowedHosts"/> entry.</summary>
internal static class RemoteHostRule
{
    /// <summary>Parses <c>host</c>, <c>host:port</c> or <c>[v6]:port</c>; the port is null for the scheme's default.</summary>
    public static bool TryParse(string entry, out (string Host, int? Port) rule)
    {
        rule = default;
        if (string.IsNullOrWhiteSpace(entry) || entry.IndexOfAny(['/', '@', '?', '#', ' ']) >= 0
            || !Uri.TryCreate("https://" + entry.Trim() + "/", UriKind.Absolute, out Uri? parsed) || parsed.Host.Length == 0)
        {
            return false;
        }

        rule = (parsed.Host, parsed.IsDefaultPort ? null : parsed.Port);
        return true;
    }

    /// <summary>Whether <paramref name="uri"/> is allowed by <paramref name="entry"/>.</summary>
    public static bool Matches(string entry, Uri uri)
    {
        if (entry == ImageSourceOptions.AnyHost)
        {
            return uri.IsDefaultPort;
        }

        return TryParse(entry, out var rule)
            && string.Equals(rule.Host, uri.Host, StringComparison.OrdinalIgnoreCase)
            && (rule.Port is { } port ? uri.Port == port : uri.IsDefaultPort);
    }
}

/// <summary>Classifies IP addresses: only globally routable unicast addresses are public.</summary>
internal static class NetworkAddressRules
{
    /// <summary>
    /// Whether <paramref name="address"/> is public: not unspecified, loopback, private (10/8, 172.16/12,
    /// 192.168/16), carrier-grade NAT (100.64/10), link-local (169.254/16 with the metadata address, fe80::/10),
    /// benchmark (198.18/15), IETF/documentation/reserved, multicast or broadcast, unique-local (fc00::/7) or
    /// site-local IPv6; IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 addresses are judged by their IPv4 part.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return IsPublicV4(b);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        if (v6[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            // ::, ::1 and the deprecated IPv4-compatible form ::a.b.c.d.
            return v6[12] != 0 && IsPublicV4(v6[12..]);
        }

        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b)
        {
            return IsPublicV4(v6[12..]); // NAT64 64:ff9b::/96 (and the local-use 64:ff9b:1::/48)
        }

        if (v6[0] == 0x20 && v6[1] == 0x02)
        {
            return IsPublicV4(v6[2..6]); // 6to4 2002::/16
        }

        return v6[0] switch
        {
            0xff => false, // multicast
            0xfc or 0xfd => false, // unique local fc00::/7 (fd00::/8 included)
            0xfe when (v6[1] & 0xc0) is 0x80 or 0xc0 => false, // link-local fe80::/10, site-local fec0::/10
            0x20 when v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8 => false, // documentation 2001:db8::/32
            0x20 when v6[1] == 0x01 && v6[2] == 0x00 && v6[3] == 0x00 => false, // Teredo 2001::/32 (tunnels to any address)
            0x01 when v6[1] == 0x00 && v6[2..8].IndexOfAnyExcept((byte)0) < 0 => false, // discard-only 100::/64
            _ => (v6[0] & 0xe0) == 0x20, // only global unicast 2000::/3 is routable
        };
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> b) => b[0] switch
    {
        0 or 10 or 127 => false,
        >= 224 => false, // multicast 224/4, reserved 240/4, broadcast
        100 when (b[1] & 0xc0) == 64 => false, // carrier-grade NAT 100.64/10
        169 when b[1] == 254 => false, // link-local, cloud metadata 169.254.169.254
        172 when (b[1] & 0xf0) == 16 => false,
        192 when b[1] == 168 => false,
        192 when b[1] == 0 && (b[2] == 0 || b[2] == 2) => false, // IETF 192.0.0/24, TEST-NET-1
        198 when (b[1] & 0xfe) == 18 => false, // benchmarking 198.18/15
        198 when b[1] == 51 && b[2] == 100 => false, // TEST-NET-2
        203 when b[1] == 0 && b[2] == 113 => false, // TEST-NET-3
        _ => true,
    };
}
