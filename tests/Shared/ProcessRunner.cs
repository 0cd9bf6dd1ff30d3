using System.Diagnostics;
using System.Text;

namespace PaliGemma.Tests.Shared;

/// <summary>Runs a child process to completion and collects its exit code and output (linked into every test project that starts processes).</summary>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>; waits at most <paramref name="timeout"/> (default two minutes).</summary>
    /// <param name="file">The program.</param>
    /// <param name="arguments">Its arguments, passed without shell quoting.</param>
    /// <param name="environment">Variables to set (a null value removes the variable).</param>
    /// <param name="workingDirectory">The working directory, or null for the current one.</param>
    /// <param name="timeout">How long to wait before the wait is cancelled.</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string file,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
