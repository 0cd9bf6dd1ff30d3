using System.Diagnostics;

namespace PaliGemma.SemanticKernel.Tests.Mcp;

/// <summary><c>paligemma mcp</c> refuses a bad model folder at start-up: exit code 1, one line on stderr, nothing on stdout.</summary>
public class McpCommandFailureTests
{
    [Fact]
    public async Task A_folder_without_a_model_fails_fast_with_a_message_on_stderr_only()
    {
        string empty = Directory.CreateTempSubdirectory("pg-nomodel-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (string arg in new[] { CliLocator.CliDll, "mcp", "--model", empty })
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Equal(string.Empty, await stdout);
            Assert.Contains("paligemma.json", await stderr, StringComparison.Ordinal);
            Assert.Contains(empty, await stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
