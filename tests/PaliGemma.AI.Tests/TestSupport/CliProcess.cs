using System.Diagnostics;
using System.Text;

namespace PaliGemma.AI.Tests.TestSupport;

/// <summary>Runs the <c>paligemma</c> CLI (built next to the tests) in its own process, and finds committed fixtures.</summary>
internal static class CliProcess
{
    /// <summary>Runs <c>dotnet paligemma.dll ARGS</c> and returns its exit code and output (two-minute limit).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "paligemma.dll");
        Assert.True(File.Exists(cli), $"the CLI was not built next to the tests: {cli}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
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

    /// <summary>The path of a committed image under <c>tests/Fixtures/imaging</c>.</summary>
    public static string FixtureImage(string name)
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

    /// <summary>The path of a committed fixture folder under <c>tests/Fixtures</c>, for example <c>scenes</c>.</summary>
    public static string FixtureFolder(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Fixtures", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"Fixture folder '{name}' not found above {AppContext.BaseDirectory}.");
    }
}
