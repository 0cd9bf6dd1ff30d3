using System.Text.RegularExpressions;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// A short <c>paligemma soak</c> (docs/security.md, Soak) in CI: two clients, mixed tasks, a quarter of the requests
/// cancelled and a quarter with bad images, on the tiny generated model. Every request ends the way it may.
/// </summary>
public sealed class SoakCommandTests
{
    [Fact]
    public async Task A_short_soak_has_only_expected_outcomes()
    {
        (int exit, string stdout, string stderr) = await CliProcess.RunAsync(
        [
            "soak", "--model", TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224), "--clients", "2", "--requests", "20",
            "--max-tokens", "4", "--concurrency", "2", "--cancel-ratio", "0.25", "--bad-image-ratio", "0.25", "--seed", "3", "--sample-ms", "100",
        ]);

        Assert.True(exit == 0, $"soak exited {exit}:\n{stdout}\n{stderr}");
        Assert.Contains("soak: 40/40 requests (2 clients × 20)", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("UNEXPECTED", stdout, StringComparison.Ordinal);
        Dictionary<string, int> outcomes = Regex.Matches(stdout, @"^\s+(\d+)\s{2}(completed|cancelled|bad image rejected)\s*$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[2].Value, m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(40, outcomes.Values.Sum());
        Assert.True(outcomes.GetValueOrDefault("completed") > 0, stdout);
        Assert.True(outcomes.GetValueOrDefault("cancelled") > 0, stdout);
        Assert.True(outcomes.GetValueOrDefault("bad image rejected") > 0, stdout);
        Assert.Matches(@"latency of completed good-image requests \(ms\): p50 [\d.]+", stdout);
        Assert.Matches(@"(?m)^RSS over time", stdout);
    }
}
