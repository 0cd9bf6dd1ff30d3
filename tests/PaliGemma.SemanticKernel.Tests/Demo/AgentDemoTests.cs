using System.Text.Json;
using PaliGemma.SemanticKernel.Tests.Mcp;
using PaliGemma.Tests.Shared;

namespace PaliGemma.SemanticKernel.Tests.Demo;

/// <summary>The AgentDemo as a user runs it: a separate process with a fresh model cache.</summary>
public sealed class AgentDemoTests : IDisposable
{
    private static readonly string[] EndpointVariables = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OLLAMA_MODEL", "OLLAMA_HOST"];
    private readonly string _work = Directory.CreateTempSubdirectory("pg-demo-").FullName;

    [Fact]
    public async Task The_offline_pipeline_writes_json_and_an_annotated_png()
    {
        string output = Path.Combine(_work, "out");
        (int exit, string stdout, string stderr) = await RunAsync("--output", output);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("paligemma2-tiny-scenes", stdout, StringComparison.Ordinal);
        Assert.Contains("Caption", stdout, StringComparison.Ordinal);
        foreach (string name in new[] { "pipeline.json", "segments.json" })
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, name)));
            Assert.Equal(224, json.RootElement.GetProperty("imageWidth").GetInt32());
            Assert.Equal(224, json.RootElement.GetProperty("imageHeight").GetInt32());
            Assert.NotEqual(0, json.RootElement.GetProperty("objects").GetArrayLength());
        }

        using (JsonDocument pipeline = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "pipeline.json"))))
        {
            Assert.Equal("caption en", pipeline.RootElement.GetProperty("answers")[0].GetProperty("step").GetString());
            Assert.All(pipeline.RootElement.GetProperty("objects").EnumerateArray(), o => Assert.Equal(1, o.GetProperty("followUps").GetArrayLength()));
        }

        byte[] png = File.ReadAllBytes(Path.Combine(output, "annotated.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        string converted = Assert.Single(Directory.GetDirectories(Path.Combine(_work, "cache", "paligemma", "models"), "paligemma2-tiny-scenes-*"));
        Assert.True(File.Exists(Path.Combine(converted, "mask_decoder.onnx")));
    }

    [Fact]
    public async Task Agent_mode_without_an_endpoint_explains_what_to_set_and_exits_2()
    {
        (int exit, string stdout, string stderr) = await RunAsync("--agent");

        Assert.Equal(2, exit);
        Assert.Contains("OPENAI_API_KEY", stderr, StringComparison.Ordinal);
        Assert.Contains("OLLAMA_MODEL", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        Dictionary<string, string?> environment = EndpointVariables.ToDictionary(name => name, _ => (string?)null);
        environment["XDG_CACHE_HOME"] = Path.Combine(_work, "cache");
        return ProcessRunner.RunAsync("dotnet", [CliLocator.AgentDemoDll, .. args], environment, _work);
    }
}
