using System.Diagnostics;
using System.Text;

namespace PaliGemma.Tests.Shared;

/// <summary>Runs a child process to completion and collects its exit code and output (linked into every test project that starts processes).</summary>
internal static class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/>; waits at most <paramref name="timeout"/> (default two
    /// minutes). A child still running then is killed with its whole process tree, and a <see cref="TimeoutException"/>
    /// carries what it had printed.
    /// </summary>
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
        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(2);
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);

            // The pipes close once every process holding them is gone; a process that left the tree could keep them open.
            Task output = Task.WhenAll(stdout, stderr);
            await Task.WhenAny(output, Task.Delay(TimeSpan.FromSeconds(10)));
            string printed = output.IsCompletedSuccessfully ? $"\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}" : " (its output pipes stayed open)";
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} ran longer than {limit} and was killed with its process tree.{printed}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
