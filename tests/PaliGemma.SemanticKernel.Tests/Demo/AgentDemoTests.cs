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

        // The bundled model finds every shape of the demo scene (ground truth: assets/shapes.json) with IoU >= 0.5 ...
        using JsonDocument detect = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "pipeline.json")));
        var found = detect.RootElement.GetProperty("objects").EnumerateArray()
            .Select(o => (Label: o.GetProperty("label").GetString()!, Box: Box(o.GetProperty("box")))).ToList();
        using JsonDocument truth = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("samples", "AgentDemo", "assets", "shapes.json")));
        var shapes = truth.RootElement.GetProperty("objects").EnumerateArray().ToList();
        Assert.NotEmpty(shapes);
        foreach (JsonElement shape in shapes)
        {
            string label = shape.GetProperty("shape").GetString()!;
            double[] b = [.. shape.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetDouble())];
            double best = found.Where(f => f.Label == label).Select(f => IoU(f.Box, (b[0], b[1], b[2], b[3]))).DefaultIfEmpty(0).Max();
            Assert.True(best >= 0.5, $"the {label} at [{string.Join(", ", b)}] was detected with IoU {best:F2} at best; pipeline.json: {detect.RootElement.GetRawText()}");
        }

        // ... and segments each class it detected, with a non-empty mask.
        using (JsonDocument segments = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "segments.json"))))
        {
            var masked = segments.RootElement.GetProperty("objects").EnumerateArray()
                .Where(o => o.TryGetProperty("mask", out JsonElement mask) && mask.GetProperty("area").GetInt32() > 0)
                .Select(o => o.GetProperty("label").GetString()!)
                .ToHashSet();
            Assert.All(found.Select(f => f.Label).Distinct(), label => Assert.Contains(label, masked));
        }

        byte[] png = File.ReadAllBytes(Path.Combine(output, "annotated.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(224, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4))); // IHDR width
        Assert.Equal(224, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4))); // IHDR height
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

    private static (double Left, double Top, double Right, double Bottom) Box(JsonElement box)
        => (box.GetProperty("left").GetDouble(), box.GetProperty("top").GetDouble(), box.GetProperty("right").GetDouble(), box.GetProperty("bottom").GetDouble());

    private static double IoU((double Left, double Top, double Right, double Bottom) a, (double Left, double Top, double Right, double Bottom) b)
    {
        double w = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left), h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
        double inter = w > 0 && h > 0 ? w * h : 0;
        double union = ((a.Right - a.Left) * (a.Bottom - a.Top)) + ((b.Right - b.Left) * (b.Bottom - b.Top)) - inter;
        return union > 0 ? inter / union : 0;
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        Dictionary<string, string?> environment = EndpointVariables.ToDictionary(name => name, _ => (string?)null);
        environment["XDG_CACHE_HOME"] = Path.Combine(_work, "cache");
        return ProcessRunner.RunAsync("dotnet", [CliLocator.AgentDemoDll, .. args], environment, _work);
    }
}
