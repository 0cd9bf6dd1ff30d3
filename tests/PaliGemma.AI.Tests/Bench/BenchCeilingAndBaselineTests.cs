using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.AI.Tests.TestSupport;
using PaliGemma.Cli.Bench;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Bench;

/// <summary>Issue 27 items 4 and 5: the prefill ceiling, the thread sweep and the PyTorch baseline ratios of <c>paligemma bench</c>.</summary>
public sealed class BenchCeilingAndBaselineTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void Ceiling_reads_every_linear_layer_of_the_decoder_and_runs_the_head_on_one_row()
    {
        string folder = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224);
        _ = fixture.Model(TinyModelKind.PaliGemma1At224);
        List<LinearShape> shapes = PrefillCeiling.ReadShapes(Path.Combine(folder, "decoder.onnx"), 260);
        PaliGemmaManifest manifest = fixture.Model(TinyModelKind.PaliGemma1At224).Manifest;
        int layers = TinyModelFixture.OptionsOf(TinyModelKind.PaliGemma1At224).TextLayers;

        global::Onnx.ModelProto graph;
        using (FileStream stream = File.OpenRead(Path.Combine(folder, "decoder.onnx")))
        {
            graph = global::Onnx.ModelProto.Parser.ParseFrom(stream);
        }

        bool lastTokenOnly = graph.Graph.Output.Single(o => o.Name == "logits").Type.TensorType.Shape.Dim[1].DimValue == 1;

        // Per layer the fused q/k/v projection, o, the fused gate/up projection and down, plus the tied head (one row when the
        // decoder outputs last-token logits only).
        Assert.Equal((4 * layers) + 1, shapes.Count);
        var config = TinyModelFixture.OptionsOf(TinyModelKind.PaliGemma1At224);
        Assert.Equal(layers, shapes.Count(s => s.N == 2 * config.TextIntermediateSize));
        LinearShape head = Assert.Single(shapes, s => s.N == manifest.VocabSize);
        Assert.Equal(manifest.TextHiddenSize, head.K);
        Assert.Equal(lastTokenOnly ? 1 : 260, head.Rows);
        Assert.All(shapes.Where(s => s != head), s => Assert.Equal(260, s.Rows));
    }

    [Theory]
    [InlineData("MatMul", 1, 0, 0, false)]
    [InlineData("MatMul", 10, 0, 0, false)]
    [InlineData("MatMulNBits", 1, 32, 4, false)]
    [InlineData("MatMulNBits", 1, 64, 1, true)]
    public void Ceiling_graphs_run_on_onnx_runtime_with_the_layer_shape(string op, int weightType, int block, int level, bool zeroPoints)
    {
        var shape = new LinearShape("l", op, 128, 48, weightType, op == "MatMulNBits" ? 4 : 0, block, level, zeroPoints, 5);
        using var session = new InferenceSession(PrefillCeiling.BuildGraph(shape));
        using var x = OrtValue.CreateTensorValueFromMemory(new float[5 * 128], [5, 128]);
        using IDisposableReadOnlyCollection<OrtValue> y = session.Run(new RunOptions(), ["x"], [x], ["y"]);
        Assert.Equal(new long[] { 5, 48 }, y[0].GetTensorTypeAndShape().Shape);
    }

    [Fact]
    public async Task Bench_reports_the_ceiling_the_sweep_and_the_pytorch_ratios()
    {
        _ = fixture.Model(TinyModelKind.PaliGemma1At224);
        string folder = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224);
        string json = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        string baseline = Path.Combine(Path.GetTempPath(), $"pytorch-{Guid.NewGuid():N}.json");
        File.WriteAllText(baseline, """{ "prefill_seconds": 2.5, "decode_tokens_per_second": 4.0, "threads": 1, "prompt_ids": [1, 2, 3] }""");
        try
        {
            var (exitCode, stdout, stderr) = await CliProcess.RunAsync(["bench", "--model", folder, "--image", CliProcess.FixtureImage("photo.jpg"), "--tokens", "4", "--runs", "1", "--bandwidth-buffer-mib", "64", "--sweep-threads", "--pytorch-baseline", baseline, "--json", json]);
            Assert.True(exitCode == 0, $"paligemma bench exited with {exitCode}: {stderr}");
            Assert.Contains("prefill ceiling", stdout, StringComparison.Ordinal);
            Assert.Contains("default vs best setting", stdout, StringComparison.Ordinal);

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement r = doc.RootElement;
            double prefillMs = r.GetProperty("prefillMs").GetDouble();
            Assert.True(r.GetProperty("prefillCeilingMs").GetDouble() > 0);
            Assert.Equal(r.GetProperty("prefillCeilingMs").GetDouble() / prefillMs, r.GetProperty("prefillShareOfCeiling").GetDouble(), 6);
            Assert.NotEmpty(r.GetProperty("prefillCeilingParts").EnumerateArray());
            Assert.Equal(Environment.ProcessorCount, r.GetProperty("resolvedThreads").GetInt32());

            JsonElement[] sweep = [.. r.GetProperty("threadSweep").EnumerateArray()];
            Assert.True(sweep.Length >= 4);
            Assert.Equal("default", sweep[0].GetProperty("setting").GetString());
            Assert.Equal(Environment.ProcessorCount, sweep[0].GetProperty("threads").GetInt32());
            Assert.Equal(1, sweep[1].GetProperty("threads").GetInt32());
            Assert.Equal(2, sweep[2].GetProperty("threads").GetInt32());
            Assert.InRange(r.GetProperty("defaultPrefillShareOfBest").GetDouble(), 1e-6, 1.0);
            Assert.InRange(r.GetProperty("defaultDecodeShareOfBest").GetDouble(), 1e-6, 1.0);

            Assert.Equal(2.5 / (prefillMs / 1000), r.GetProperty("prefillSpeedupVsPyTorch").GetDouble(), 6);
            Assert.Equal(r.GetProperty("libraryDecodeTokensPerSecond").GetDouble() / 4.0, r.GetProperty("decodeSpeedupVsPyTorch").GetDouble(), 6);
            string note = r.GetProperty("pyTorchBaselineNote").GetString()!;
            Assert.Contains("DIFFERENT prompt ids", note, StringComparison.Ordinal);
            Assert.Equal(Environment.ProcessorCount == 1, !note.Contains("PyTorch ran with 1 thread(s)", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(json);
            File.Delete(baseline);
        }
    }

    [Fact]
    public async Task A_baseline_without_the_figures_is_a_one_line_error()
    {
        _ = fixture.Model(TinyModelKind.PaliGemma1At224);
        string baseline = Path.Combine(Path.GetTempPath(), $"pytorch-{Guid.NewGuid():N}.json");
        File.WriteAllText(baseline, """{ "prefill_seconds": 0 }""");
        try
        {
            var (exitCode, _, stderr) = await CliProcess.RunAsync(["bench", "--model", TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), "--image", CliProcess.FixtureImage("photo.jpg"), "--tokens", "2", "--runs", "1", "--bandwidth-buffer-mib", "64", "--pytorch-baseline", baseline]);
            Assert.Equal(1, exitCode);
            Assert.Contains("prefill_seconds", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(baseline);
        }
    }
}
