using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Bench;

/// <summary><c>paligemma bench</c> end to end on a tiny model: every figure present, same output as the raw loop, clear errors.</summary>
public sealed class BenchCommandTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task Bench_writes_every_figure_and_matches_the_raw_loop_output()
    {
        _ = fixture.Model(TinyModelKind.PaliGemma1At224);
        string folder = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224);
        string json = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, stdout, stderr) = await RunCli(["bench", "--model", folder, "--image", FixtureImage("photo.jpg"), "--tokens", "4", "--runs", "1", "--bandwidth-buffer-mib", "64", "--json", json]);
            Assert.True(exitCode == 0, $"paligemma bench exited with {exitCode}: {stderr}");
            Assert.Contains("chat-client overhead", stdout, StringComparison.Ordinal);

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement r = doc.RootElement;
            Assert.True(r.GetProperty("sameOutputAsRawLoop").GetBoolean(), $"chat output '{r.GetProperty("outputText").GetString()}' differs from the raw loop");
            Assert.InRange(r.GetProperty("generatedTokens").GetInt32(), 1, 4);
            Assert.Equal(256 + 2 + 2, r.GetProperty("promptTokens").GetInt32()); // <image>×256, <bos>, "caption en" (2 tokens), "\n"
            foreach (string positive in new[] { "loadMs", "visionMs", "prefillMs", "timeToFirstTokenColdMs", "timeToFirstTokenCachedMs", "rawTimeToFirstTokenMs", "memoryBandwidthGBps", "floorTokensPerSecond" })
            {
                Assert.True(r.GetProperty(positive).GetDouble() > 0, $"{positive} = {r.GetProperty(positive)}");
            }

            long decoderData = new FileInfo(Path.Combine(folder, "decoder.onnx.data")).Length;
            Assert.True(r.GetProperty("decodeBytesPerToken").GetInt64() >= decoderData, "a tied fp32 head reads the whole decoder per token");
            Assert.True(r.GetProperty("peakRssBytes").GetInt64() > r.GetProperty("weightFileBytes").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Bench_reports_a_missing_image_in_one_line_with_exit_code_1()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.png");
        var (exitCode, _, stderr) = await RunCli(["bench", "--model", TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), "--image", missing]);
        Assert.Equal(1, exitCode);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCli(string[] arguments)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "paligemma.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        start.ArgumentList.Add(cli);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FixtureImage(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Fixtures", "imaging", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Fixture image '{name}' not found above {AppContext.BaseDirectory}.");
    }
}
