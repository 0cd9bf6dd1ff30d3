using System.Text.RegularExpressions;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests;

/// <summary>The test helper that starts child processes (CLI, demo, Python) never leaves one running after its timeout.</summary>
public sealed class ProcessRunnerTests
{
    [SkippableFact]
    public async Task A_child_past_its_timeout_is_killed_with_its_whole_tree()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "needs /bin/sh and /proc (Linux)");

        // The shell starts a grandchild, prints its id and waits for it.
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => ProcessRunner.RunAsync("/bin/sh", ["-c", "sleep 600 & echo grandchild $!; wait"], timeout: TimeSpan.FromSeconds(1)));

        Match grandchild = Regex.Match(ex.Message, @"grandchild (\d+)");
        Assert.True(grandchild.Success, ex.Message);
        Assert.Contains("killed with its process tree", ex.Message, StringComparison.Ordinal);
        int pid = int.Parse(grandchild.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await GoneAsync(pid), $"the grandchild {pid} (sleep 600) still runs after the timeout");
    }

    [Fact]
    public async Task A_child_within_its_timeout_returns_its_exit_code_and_output()
    {
        (int exit, string stdout, string stderr) = await ProcessRunner.RunAsync("dotnet", ["--version"]);

        Assert.Equal(0, exit);
        Assert.Matches(@"^\d+\.\d+", stdout);
        Assert.Equal(string.Empty, stderr);
    }

    /// <summary>True once /proc shows no live process <paramref name="pid"/> (gone, or a zombie nobody reaped yet).</summary>
    private static async Task<bool> GoneAsync(int pid)
    {
        for (int i = 0; i < 100; i++)
        {
            string stat = Path.Combine("/proc", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "stat");
            string? text = null;
            try
            {
                text = File.ReadAllText(stat);
            }
            catch (IOException)
            {
            }

            // The state is the field after the parenthesised command name: Z (zombie) and X (dead) are not running.
            if (text is null || text[(text.LastIndexOf(')') + 2)..].StartsWith('Z') || text[(text.LastIndexOf(')') + 2)..].StartsWith('X'))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
