using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fixtures;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests;

/// <summary>
/// The exported graphs against the committed fixtures of the independent PyTorch reference
/// (tools/reference, float64): vision features, prefill logits, 16 ORT GenAI decode steps, greedy ids,
/// text-only runs, and the alternative sliding-window semantics of pg2_window.
/// </summary>
public sealed class ReferenceFixtureTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string name in ReferenceFixture.CaseNames())
        {
            data.Add(name);
        }

        return data;
    }

    private static double Tolerance(string name) => name == "pg2_softcap" ? 5e-4 : 1e-4;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Graphs_match_the_pytorch_reference_fixture(string name)
    {
        ReferenceFixture fx = ReferenceFixture.Load(name);
        using var weights = fx.OpenWeights();
        using var dir = new TempFolder();
        int size = fx.Config.Vision.ImageSize, hidden = fx.Config.Text.HiddenSize, vocab = fx.Config.Text.VocabSize;
        double tolerance = Tolerance(name);

        // Vision.
        VisionGraphExporter.Export(fx.Config, weights, dir.File("vision.onnx"), ModelPrecision.Float32);
        float[] features = VisionGraphTests.RunVision(dir.File("vision.onnx"), fx.PixelValues(), 1, size, out _);
        float visionDiff = RefMath.MaxAbsDiff(features, fx.Floats("image_features"));
        Assert.True(visionDiff < tolerance, $"{name} vision diff {visionDiff}");

        // Decoder: raw ORT prefill at the stored positions.
        DecoderGraphExporter.Export(fx.Config, weights, dir.File("decoder.onnx"), ModelPrecision.Float32);
        GenAiConfigWriter.Write(fx.Config, dir.Path, 2048, [fx.Config.EosTokenId]);
        int[] prompt = fx.Ints("prompt_ids");
        float[] full;
        using (var raw = new RawDecoder(dir.File("decoder.onnx"), fx.Config))
        {
            full = raw.Step(prompt, features);
        }

        float[] at = fx.Floats("prefill_logits_at");
        int[] positions = fx.Ints("prefill_positions");
        float prefillDiff = 0;
        for (int i = 0; i < positions.Length; i++)
        {
            prefillDiff = Math.Max(prefillDiff, RefMath.MaxAbsDiff(full.AsSpan(positions[i] * vocab, vocab), at.AsSpan(i * vocab, vocab)));
        }

        Assert.True(prefillDiff < tolerance, $"{name} prefill diff {prefillDiff}");

        // Decoder under ORT GenAI: prefill + 16 decode steps, with the image and text-only.
        float genAiDiff = CompareGenAi(fx, dir.Path, prompt, features, hidden, vocab, prefix: string.Empty, tolerance);
        float textDiff = CompareGenAi(fx, dir.Path, fx.Prompt("text_only."), [], hidden, vocab, prefix: "text_only.", tolerance);
        output.WriteLine($"{name}: vision {visionDiff:E2}, prefill@{string.Join('/', positions)} {prefillDiff:E2}, GenAI prefill+16 steps {genAiDiff:E2}, text-only {textDiff:E2}");
    }

    [Theory]
    [InlineData("hf_legacy", SlidingWindowMode.HfLegacy)]
    [InlineData("symmetric", SlidingWindowMode.Symmetric)]
    public void Alternative_window_semantics_match_pg2_window(string mode, SlidingWindowMode window)
    {
        ReferenceFixture fx = ReferenceFixture.Load("pg2_window");
        using var weights = fx.OpenWeights();
        using var dir = new TempFolder();
        DecoderGraphExporter.Export(fx.Config, weights, dir.File("decoder.onnx"), ModelPrecision.Float32, new DecoderExportOptions { SlidingWindowMode = window });
        GenAiConfigWriter.Write(fx.Config, dir.Path, 2048, [fx.Config.EosTokenId]);
        float diff = CompareGenAi(fx, dir.Path, fx.Ints("prompt_ids"), fx.Floats("image_features"), fx.Config.Text.HiddenSize, fx.Config.Text.VocabSize, mode + ".", 1e-4);
        output.WriteLine($"pg2_window {mode}: GenAI prefill+16 steps max |diff| = {diff:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float16_graphs_stay_close_to_the_pytorch_reference(string name)
    {
        ReferenceFixture fx = ReferenceFixture.Load(name);
        using var weights = fx.OpenWeights();
        using var dir = new TempFolder();
        int vocab = fx.Config.Text.VocabSize;
        VisionGraphExporter.Export(fx.Config, weights, dir.File("vision.onnx"), ModelPrecision.Float16);
        float[] features = VisionGraphTests.RunVision(dir.File("vision.onnx"), fx.PixelValues(), 1, fx.Config.Vision.ImageSize, out _);
        float visionDiff = RefMath.MaxAbsDiff(features, fx.Floats("image_features"));

        // Teacher-forced decode (the fixture's decode inputs), so a near-tie cannot change the compared positions.
        DecoderGraphExporter.Export(fx.Config, weights, dir.File("decoder.onnx"), ModelPrecision.Float16);
        using var raw = new RawDecoder(dir.File("decoder.onnx"), fx.Config);
        float[] prefill = raw.Step(fx.Ints("prompt_ids"), features);
        float worst = RefMath.MaxAbsDiff(prefill.AsSpan(prefill.Length - vocab), fx.Floats("prefill_logits_last"));
        float[] decode = fx.Floats("decode_logits");
        int[] inputs = fx.Ints("decode_inputs");
        for (int t = 0; t < inputs.Length; t++)
        {
            worst = Math.Max(worst, RefMath.MaxAbsDiff(raw.Step([inputs[t]], features), decode.AsSpan(t * vocab, vocab)));
        }

        output.WriteLine($"{name} fp16: vision {visionDiff:E2}, prefill + {inputs.Length} decode logits {worst:E2}");
        Assert.True(visionDiff < 5e-3, $"vision {visionDiff}");
        Assert.True(worst < Float16ExportTests.Tolerance, $"logits {worst}");
    }

    private static float CompareGenAi(ReferenceFixture fx, string folder, int[] prompt, float[] features, int hidden, int vocab, string prefix, double tolerance)
    {
        const int Steps = 16;
        (List<float[]> logits, List<int> tokens) = GenAiDecoderTests.Generate(folder, prompt, features, hidden, Steps + 1);
        float worst = RefMath.MaxAbsDiff(logits[0], fx.Floats(prefix + "prefill_logits_last"));
        float[] decode = fx.Floats(prefix + "decode_logits");
        for (int t = 0; t < Steps; t++)
        {
            worst = Math.Max(worst, RefMath.MaxAbsDiff(logits[t + 1], decode.AsSpan(t * vocab, vocab)));
        }

        Assert.True(worst < tolerance, $"{fx.Case.GetProperty("case").GetString()} {prefix} GenAI diff {worst}");
        Assert.Equal(fx.IntArray(prefix + "greedy_tokens").Take(Steps + 1), tokens);
        return worst;
    }
}
