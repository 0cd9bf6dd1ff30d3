using System.Text.Json;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.Cli.Bench;
using PaliGemma.Onnx.Tiny;
using PaliGemma.AI.Tests.TestSupport;

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
            var (exitCode, stdout, stderr) = await CliProcess.RunAsync(["bench", "--model", folder, "--image", CliProcess.FixtureImage("photo.jpg"), "--tokens", "4", "--runs", "1", "--bandwidth-buffer-mib", "64", "--json", json]);
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
            Assert.True(r.TryGetProperty("chatStreamsEveryToken", out JsonElement streams) && streams.ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.True(r.GetProperty("peakRssBytes").GetInt64() > r.GetProperty("weightFileBytes").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void Chat_figures_are_per_token_only_when_every_token_streams_text_at_once()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        var vocabulary = new TinyVocabulary();
        int Id(string token) => vocabulary.IdOf(token);

        Assert.True(TokenStreaming.EveryTokenStreams(model, [Id("cat"), Id("<loc0100>"), Id(TinyVocabulary.SpaceMarker + "dog")]));
        // A byte run waits for the next non-byte token (a later byte could still make it invalid UTF-8), even "A".
        Assert.False(TokenStreaming.EveryTokenStreams(model, [Id("cat"), Id("<0x41>"), Id(TinyVocabulary.SpaceMarker + "dog")]));
        Assert.False(TokenStreaming.EveryTokenStreams(model, [Id("cat"), Id("<0xC3>"), Id("<0xA9>")]));
    }

    [Fact]
    public async Task Bench_reports_a_missing_image_in_one_line_with_exit_code_1()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.png");
        var (exitCode, _, stderr) = await CliProcess.RunAsync(["bench", "--model", TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), "--image", missing]);
        Assert.Equal(1, exitCode);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
