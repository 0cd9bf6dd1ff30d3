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

/// <summary><c>paligemma mcp</c> answers the MCP handshake before it loads the model (the load runs in the background).</summary>
public class McpLazyLoadTests
{
    [Fact]
    public async Task The_handshake_completes_before_a_broken_model_is_loaded_then_the_server_exits_with_the_load_error()
    {
        // A folder that passes the start-up check (paligemma.json is there) but whose decoder cannot be loaded.
        string broken = Directory.CreateTempSubdirectory("pg-brokenmodel-").FullName;
        try
        {
            foreach (string file in Directory.GetFiles(TestModels.AgentModelFixture.Folder))
            {
                File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
            }

            File.WriteAllBytes(Path.Combine(broken, "decoder.onnx"), [1, 2, 3]);
            var stderr = new System.Text.StringBuilder();
            var transport = new ModelContextProtocol.Client.StdioClientTransport(new ModelContextProtocol.Client.StdioClientTransportOptions
            {
                Name = "paligemma",
                Command = "dotnet",
                Arguments = [CliLocator.CliDll, "mcp", "--model", broken],
                ShutdownTimeout = TimeSpan.FromSeconds(10),
                StandardErrorLines = line => { lock (stderr) { stderr.AppendLine(line); } },
            });
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await using ModelContextProtocol.Client.McpClient client = await ModelContextProtocol.Client.McpClient.CreateAsync(transport, cancellationToken: timeout.Token);

            Assert.Equal("paligemma", client.ServerInfo?.Name);
            while (!timeout.IsCancellationRequested && !Contains(stderr, "decoder.onnx"))
            {
                await Task.Delay(100, timeout.Token);
            }

            Assert.True(Contains(stderr, "decoder.onnx"), stderr.ToString());
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }

    private static bool Contains(System.Text.StringBuilder text, string value)
    {
        lock (text)
        {
            return text.ToString().Contains(value, StringComparison.Ordinal);
        }
    }
}
