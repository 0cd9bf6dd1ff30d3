using System.Text.Json;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.AI.Tests.TestSupport;
using PaliGemma.Cli.Bench;

namespace PaliGemma.AI.Tests.Bench;

/// <summary><c>paligemma bench --concurrency</c> end to end on a tiny model, and its level parsing.</summary>
public sealed class ConcurrencyBenchTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task Bench_concurrency_reports_both_modes_for_every_level()
    {
        _ = fixture.Model(TinyModelKind.PaliGemma1At224);
        string folder = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224);
        string json = Path.Combine(Path.GetTempPath(), $"bench-concurrency-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, stdout, stderr) = await CliProcess.RunAsync(["bench", "--model", folder, "--image", CliProcess.FixtureImage("photo.jpg"), "--tokens", "6", "--runs", "1", "--concurrency", "1,3", "--batch-window-ms", "500", "--json", json]);
            Assert.True(exitCode == 0, $"paligemma bench --concurrency exited with {exitCode}: {stderr}");
            Assert.Contains("on/off", stdout, StringComparison.Ordinal);

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement[] levels = [.. doc.RootElement.GetProperty("levels").EnumerateArray()];
            Assert.Equal([1, 3], levels.Select(l => l.GetProperty("concurrency").GetInt32()));
            foreach (JsonElement level in levels)
            {
                int n = level.GetProperty("concurrency").GetInt32();
                Assert.True(level.GetProperty("offTokensPerSecond").GetDouble() > 0);
                Assert.True(level.GetProperty("onTokensPerSecond").GetDouble() > 0);
                Assert.InRange(level.GetProperty("onOutputTokens").GetInt64(), n, n * 6);
                Assert.Equal(level.GetProperty("offOutputTokens").GetInt64(), level.GetProperty("onOutputTokens").GetInt64());

                // With a 500 ms window the three simultaneous requests share one generator.
                Assert.Equal(1.0, level.GetProperty("onBatches").GetDouble());
            }
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("1,2,4,8", new[] { 1, 2, 4, 8 })]
    [InlineData(" 3 , 1 ", new[] { 3, 1 })]
    public void Levels_parse(string text, int[] expected) => Assert.Equal(expected, ConcurrencyBench.ParseLevels(text));

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1,x")]
    [InlineData("65")]
    [InlineData("-2")]
    public void Bad_levels_are_rejected(string text) => Assert.Throws<ArgumentException>(() => ConcurrencyBench.ParseLevels(text));
}
