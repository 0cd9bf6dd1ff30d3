using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests;

/// <summary>float16 weights: the decoder must stay close to float32 and keep float32 graph I/O.</summary>
public sealed class Float16ExportTests(ITestOutputHelper output)
{
    internal const double Tolerance = 2e-2;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Float16_decoder_logits_are_close_to_float32(int generation)
    {
        PaliGemmaConfig config = DecoderGraphTests.Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 31);
        using var dir32 = new TempFolder();
        using var dir16 = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = DecoderGraphTests.Prompt(config, rows, 60, 61, 62);
        int[] generated = [70, 71];
        float[] features = DecoderGraphTests.Features(config, rows, seed: 32);

        float[] Run(string path)
        {
            using var d = new RawDecoder(path, config);
            var all = new List<float>(d.Step(prompt, features));
            foreach (int token in generated)
            {
                all.AddRange(d.Step([token], features));
            }

            return [.. all];
        }

        float[] full = Run(DecoderGraphTests.Export(config, weights, dir32));
        float[] half = Run(DecoderGraphTests.Export(config, weights, dir16, ModelPrecision.Float16));
        float diff = RefMath.MaxAbsDiff(full, half);
        output.WriteLine($"PG{generation} fp16 vs fp32 decoder logits ({full.Length / config.Text.VocabSize} positions): max |diff| = {diff:E3}, max |logit| = {full.Max(Math.Abs):F3}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");

        long size32 = new FileInfo(dir32.File("decoder.onnx.data")).Length;
        long size16 = new FileInfo(dir16.File("decoder.onnx.data")).Length;
        Assert.True(size16 < size32 * 0.6, $"fp16 data {size16} bytes vs fp32 {size32}");
    }

    [Fact]
    public void Float16_decoder_runs_under_GenAi()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 33);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = DecoderGraphTests.Prompt(config, rows, 80, 81);
        float[] features = DecoderGraphTests.Features(config, rows, seed: 34);
        string folder = GenAiDecoderTests.ExportFolder(config, weights, dir, ModelPrecision.Float16);
        (List<float[]> logits, List<int> tokens) = GenAiDecoderTests.Generate(folder, prompt, features, config.Text.HiddenSize, 3);

        float[] expected = ReferenceGemma.Logits(config, weights, [.. prompt, .. tokens], features, prefixLength: prompt.Length);
        int vocab = config.Text.VocabSize;
        float worst = 0;
        for (int k = 0; k < logits.Count; k++)
        {
            worst = Math.Max(worst, RefMath.MaxAbsDiff(logits[k], expected.AsSpan((prompt.Length - 1 + k) * vocab, vocab)));
        }

        output.WriteLine($"PG2 fp16 under GenAI vs fp32 reference: max |diff| = {worst:E3}");
        Assert.True(worst < Tolerance, $"max abs diff {worst}");
    }
}
