using System.Net;
using PaliGemma.AI.Tests.Chat;

namespace PaliGemma.AI.Tests.Intake;

/// <summary>
/// Remote images through the intake stage against a real server on 127.0.0.1: redirects refused, names that resolve
/// to loopback refused unless private networks are allowed, https only, host and port allow-list, size cap, timeout.
/// </summary>
public sealed class RemoteImageSourceTests
{
    private static readonly byte[] Png = TestImages.Png(5);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static byte[]? Respond(string path) => path switch
    {
        "/image.png" => LoopbackHttpServer.Response("200 OK", Png),
        "/redirect" => LoopbackHttpServer.Redirect("http://10.1.2.3/image.png"),
        "/big.png" => LoopbackHttpServer.Response("200 OK", new byte[4096]),
        "/lying.png" => LoopbackHttpServer.Response("200 OK", [], declaredLength: 50_000_000),
        "/missing.png" => LoopbackHttpServer.Response("404 Not Found", []),
        "/slow.png" => null,
        _ => LoopbackHttpServer.Response("404 Not Found", []),
    };

    private static ImageSourceOptions Sources(string host, bool allowPrivate)
    {
        var sources = new ImageSourceOptions { AllowRemoteImages = true, AllowInsecureHttp = true, AllowPrivateNetworks = allowPrivate };
        sources.AllowedHosts.Add(host);
        return sources;
    }

    [Fact]
    public async Task A_redirect_from_an_allowed_loopback_server_is_refused_and_not_followed()
    {
        await using var server = new LoopbackHttpServer(Respond);
        // Loopback itself is refused by default: allow it explicitly for this server, so only the redirect is at stake.
        var intake = new ImageIntake(Sources($"127.0.0.1:{server.Port}", allowPrivate: true));

        var image = await intake.ReadUriAsync(new Uri($"http://127.0.0.1:{server.Port}/image.png"));
        Assert.Equal(Png, image.Bytes.ToArray()); // the server is reachable under these settings

        var ex = await RefusedAsync(intake, $"http://127.0.0.1:{server.Port}/redirect");
        Assert.Equal(ImageErrorReason.RemoteNotAllowed, ex.Reason);
        Assert.Contains("redirect", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["/image.png", "/redirect"], server.Requests.ToArray());
    }

    [Fact]
    public async Task A_redirect_is_refused_even_with_a_client_that_follows_redirects()
    {
        await using var server = new LoopbackHttpServer(Respond);
        using var following = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, UseProxy = false });
        var sources = Sources($"127.0.0.1:{server.Port}", allowPrivate: true);
        sources.HttpClient = following;

        var ex = await RefusedAsync(new ImageIntake(sources), $"http://127.0.0.1:{server.Port}/redirect");
        Assert.Equal(ImageErrorReason.RemoteNotAllowed, ex.Reason);
    }

    [Fact]
    public async Task A_host_that_resolves_to_loopback_is_refused_unless_private_networks_are_allowed()
    {
        await using var server = new LoopbackHttpServer(Respond);
        var uri = new Uri($"http://localhost:{server.Port}/image.png");

        var ex = await RefusedAsync(new ImageIntake(Sources($"localhost:{server.Port}", allowPrivate: false)), uri.ToString());
        Assert.Equal(ImageErrorReason.RemoteNotAllowed, ex.Reason);
        Assert.Contains("resolves to", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests); // refused before any connection

        var allowed = await new ImageIntake(Sources($"localhost:{server.Port}", allowPrivate: true)).ReadUriAsync(uri);
        Assert.Equal(Png, allowed.Bytes.ToArray());
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("http://127.0.0.1/image.png", "127.0.0.1")]
    [InlineData("https://169.254.169.254/latest/meta-data", "169.254.169.254")]
    [InlineData("https://[::1]/image.png", "[::1]")]
    [InlineData("https://[fd00:ec2::254]/latest", "[fd00:ec2::254]")]
    [InlineData("https://10.0.0.7/image.png", "10.0.0.7")]
    [InlineData("https://192.168.1.1/image.png", "192.168.1.1")]
    public async Task Private_address_literals_are_refused_without_a_connection(string url, string host)
    {
        var ex = await RefusedAsync(new ImageIntake(Sources(host, allowPrivate: false)), url);
        Assert.Equal(ImageErrorReason.RemoteNotAllowed, ex.Reason);
        Assert.Contains("not public", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scheme_host_and_port_rules_apply_before_any_request()
    {
        await using var server = new LoopbackHttpServer(Respond);
        var https = new ImageSourceOptions { AllowRemoteImages = true, AllowPrivateNetworks = true };
        https.AllowedHosts.Add($"127.0.0.1:{server.Port}");

        Assert.Contains("https", (await RefusedAsync(new ImageIntake(https), $"http://127.0.0.1:{server.Port}/image.png")).Message, StringComparison.Ordinal);
        Assert.Contains("allow-list", (await RefusedAsync(new ImageIntake(Sources("127.0.0.1", allowPrivate: true)), $"http://127.0.0.1:{server.Port}/image.png")).Message, StringComparison.Ordinal);
        Assert.Contains("allow-list", (await RefusedAsync(new ImageIntake(Sources("images.example", allowPrivate: true)), $"http://127.0.0.1:{server.Port}/image.png")).Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);

        var off = await Assert.ThrowsAsync<NotSupportedException>(async () => await new ImageIntake().ReadUriAsync(new Uri($"http://127.0.0.1:{server.Port}/image.png")));
        Assert.Contains("AllowRemoteImages", off.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_size_cap_applies_to_the_declared_length_and_to_the_body()
    {
        await using var server = new LoopbackHttpServer(Respond);
        var intake = new ImageIntake(Sources($"127.0.0.1:{server.Port}", allowPrivate: true), new ImageLoadOptions { MaxEncodedBytes = 1000 });

        Assert.Equal(ImageErrorReason.EncodedTooLarge, (await RefusedAsync(intake, $"http://127.0.0.1:{server.Port}/big.png")).Reason);
        var lying = await RefusedAsync(intake, $"http://127.0.0.1:{server.Port}/lying.png");
        Assert.Equal(ImageErrorReason.EncodedTooLarge, lying.Reason);
        Assert.Contains("50,000,000", lying.Message, StringComparison.Ordinal); // refused on Content-Length, before reading
    }

    [Fact]
    public async Task Http_errors_and_the_timeout_are_fetch_failures()
    {
        await using var server = new LoopbackHttpServer(Respond);
        var sources = Sources($"127.0.0.1:{server.Port}", allowPrivate: true);
        var missing = await RefusedAsync(new ImageIntake(sources), $"http://127.0.0.1:{server.Port}/missing.png");
        Assert.Equal(ImageErrorReason.RemoteFetchFailed, missing.Reason);
        Assert.Contains("HTTP 404", missing.Message, StringComparison.Ordinal);

        // The server accepts the request and never answers: the download ends at the configured timeout.
        sources.RemoteTimeout = TimeSpan.FromMilliseconds(500);
        var slow = await RefusedAsync(new ImageIntake(sources), $"http://127.0.0.1:{server.Port}/slow.png");
        Assert.Equal(ImageErrorReason.RemoteFetchFailed, slow.Reason);
        Assert.Contains("RemoteTimeout", slow.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.9", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("198.18.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("fc00::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("2002:7f00:1::", false)]
    [InlineData("2001:db8::1", false)]
    public void Address_classification(string address, bool isPublic) =>
        Assert.Equal(isPublic, NetworkAddressRules.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("images.example", "https://images.example/a.png", true)]
    [InlineData("IMAGES.example", "https://images.example/a.png", true)]
    [InlineData("images.example", "https://images.example:8443/a.png", false)]
    [InlineData("images.example:8443", "https://images.example:8443/a.png", true)]
    [InlineData("images.example", "https://images.example.evil.test/a.png", false)]
    [InlineData("*", "https://anything.example/a.png", true)]
    [InlineData("*", "https://anything.example:8080/a.png", false)]
    public void Host_rules(string entry, string url, bool allowed) =>
        Assert.Equal(allowed, RemoteHostRule.Matches(entry, new Uri(url)));

    private static async Task<PaliGemmaImageException> RefusedAsync(ImageIntake intake, string url)
    {
        var read = intake.ReadUriAsync(new Uri(url)).AsTask();
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(Bound)));
        return await Assert.ThrowsAsync<PaliGemmaImageException>(() => read);
    }
}
