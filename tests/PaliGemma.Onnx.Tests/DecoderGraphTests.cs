using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests;

public sealed class DecoderGraphTests(ITestOutputHelper output)
{
    internal const double Tolerance = 1e-4;

    internal static PaliGemmaConfig Config(int generation) => generation == 1 ? TinyConfigs.PaliGemma1() : TinyConfigs.PaliGemma2();

    /// <summary>A prompt shaped like PaliGemma's: &lt;image&gt;×rows, bos, prefix tokens, "\n".</summary>
    internal static int[] Prompt(PaliGemmaConfig config, int imageRows, params int[] prefix) =>
        [.. Enumerable.Repeat(config.ImageTokenIndex, imageRows), config.BosTokenId, .. prefix, 108];

    internal static float[] Features(PaliGemmaConfig config, int rows, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * config.Text.HiddenSize).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
    }

    internal static string Export(PaliGemmaConfig config, RandomCheckpoint weights, TempFolder dir, ModelPrecision precision = ModelPrecision.Float32, SlidingWindowMode window = SlidingWindowMode.Hf)
    {
        string path = dir.File("decoder.onnx");
        DecoderGraphExporter.Export(config, weights, path, precision, new DecoderExportOptions { SlidingWindowMode = window });
        return path;
    }

    [Theory]
    [InlineData(1, SlidingWindowMode.Hf)]
    [InlineData(2, SlidingWindowMode.Hf)]
    [InlineData(2, SlidingWindowMode.HfLegacy)]
    [InlineData(2, SlidingWindowMode.Symmetric)]
    public void Prefill_logits_match_reference_with_bidirectional_prompt(int generation, SlidingWindowMode window)
    {
        PaliGemmaConfig config = Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 3);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = Prompt(config, rows, 17, 42, 99, 250);
        float[] features = Features(config, rows, seed: 8);

        using var decoder = new RawDecoder(Export(config, weights, dir, window: window), config);
        float[] actual = decoder.Step(prompt, features);
        float[] expected = ReferenceGemma.Logits(config, weights, prompt, features, prefixLength: prompt.Length, window: window);

        float diff = RefMath.MaxAbsDiff(actual, expected);
        output.WriteLine($"PG{generation} {window} prefill ({prompt.Length} tokens): max |diff| = {diff:E3}, max |logit| = {expected.Max(Math.Abs):F3}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");
        if (config.Text.FinalLogitSoftcapping is float cap)
        {
            Assert.All(actual, l => Assert.True(Math.Abs(l) <= cap));
        }
    }

    [Theory]
    [InlineData(1, SlidingWindowMode.Hf)]
    [InlineData(2, SlidingWindowMode.Hf)]
    [InlineData(2, SlidingWindowMode.HfLegacy)]
    [InlineData(2, SlidingWindowMode.Symmetric)]
    public void Decode_steps_match_reference_with_prefix_lm_mask(int generation, SlidingWindowMode window)
    {
        PaliGemmaConfig config = Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 4);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = Prompt(config, rows, 5, 6, 7);
        int[] generated = [260, 33, 1];
        float[] features = Features(config, rows, seed: 9);

        using var decoder = new RawDecoder(Export(config, weights, dir, window: window), config);
        var actual = new List<float>(decoder.Step(prompt, features));
        foreach (int token in generated)
        {
            actual.AddRange(decoder.Step([token], features));
        }

        int[] all = [.. prompt, .. generated];
        float[] expected = ReferenceGemma.Logits(config, weights, all, features, prefixLength: prompt.Length, window: window);
        float diff = RefMath.MaxAbsDiff(actual.ToArray(), expected);
        output.WriteLine($"PG{generation} {window} prefill + {generated.Length} decode steps: max |diff| = {diff:E3}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Prompt_attention_is_bidirectional(int generation)
    {
        PaliGemmaConfig config = Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 5);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        float[] features = Features(config, rows, seed: 10);
        int[] a = Prompt(config, rows, 20, 21, 22);
        int[] b = Prompt(config, rows, 20, 21, 23);
        int changed = Enumerable.Range(0, a.Length).First(i => a[i] != b[i]);
        int vocab = config.Text.VocabSize;
        string path = Export(config, weights, dir);

        float[] la, lb;
        using (var d = new RawDecoder(path, config))
        {
            la = d.Step(a, features);
        }

        using (var d = new RawDecoder(path, config))
        {
            lb = d.Step(b, features);
        }

        // Position 0 (an image token) sees the later prompt token in the graph ...
        float earlier = RefMath.MaxAbsDiff(la.AsSpan(0, vocab), lb.AsSpan(0, vocab));
        float beforeChange = RefMath.MaxAbsDiff(la.AsSpan((changed - 1) * vocab, vocab), lb.AsSpan((changed - 1) * vocab, vocab));
        output.WriteLine($"PG{generation}: change at {changed}; logits change at 0 by {earlier:E3}, at {changed - 1} by {beforeChange:E3}");
        Assert.True(earlier > 1e-3);
        Assert.True(beforeChange > 1e-3);

        // ... while a causal model's earlier logits would not move at all.
        float[] ca = ReferenceGemma.Logits(config, weights, a, features, prefixLength: 0);
        float[] cb = ReferenceGemma.Logits(config, weights, b, features, prefixLength: 0);
        Assert.Equal(0f, RefMath.MaxAbsDiff(ca.AsSpan(0, changed * vocab), cb.AsSpan(0, changed * vocab)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Image_features_reach_the_decoder(int generation)
    {
        PaliGemmaConfig config = Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 6);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = Prompt(config, rows, 30);
        string path = Export(config, weights, dir);
        using var d1 = new RawDecoder(path, config);
        using var d2 = new RawDecoder(path, config);
        float[] la = d1.Step(prompt, Features(config, rows, seed: 1));
        float[] lb = d2.Step(prompt, Features(config, rows, seed: 2));
        int vocab = config.Text.VocabSize;
        float last = RefMath.MaxAbsDiff(la.AsSpan(la.Length - vocab), lb.AsSpan(lb.Length - vocab));
        output.WriteLine($"PG{generation}: last-position logits differ by {last:E3} between feature sets");
        Assert.True(last > 1e-3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Text_only_prompt_with_zero_feature_rows_matches_reference(int generation)
    {
        PaliGemmaConfig config = Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 7);
        using var dir = new TempFolder();
        int[] prompt = Prompt(config, 0, 11, 12, 13, 14, 15);
        using var decoder = new RawDecoder(Export(config, weights, dir), config);
        float[] actual = decoder.Step(prompt, []);
        float[] expected = ReferenceGemma.Logits(config, weights, prompt, [], prefixLength: prompt.Length);
        float diff = RefMath.MaxAbsDiff(actual, expected);
        output.WriteLine($"PG{generation} text-only (0 feature rows): max |diff| = {diff:E3}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");
    }

    [Fact]
    public void Gemma2_specifics_each_change_the_logits()
    {
        // The Gemma 2 test shape must make every Gemma 2 feature observable; otherwise the
        // agreement above would not prove the graph implements them.
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 3);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = Prompt(config, rows, 17, 42, 99, 250);
        int[] generated = [12, 13];
        float[] features = Features(config, rows, seed: 8);
        using var decoder = new RawDecoder(Export(config, weights, dir), config);
        var steps = new List<float>(decoder.Step(prompt, features));
        foreach (int token in generated)
        {
            steps.AddRange(decoder.Step([token], features));
        }

        float[] actual = [.. steps];
        int[] all = [.. prompt, .. generated];
        Assert.True(RefMath.MaxAbsDiff(actual, ReferenceGemma.Logits(config, weights, all, features, prompt.Length)) < Tolerance);

        var variants = new Dictionary<string, (PaliGemmaConfig Config, SlidingWindowMode Window)>
        {
            ["no sliding window"] = (config with { Text = config.Text with { SlidingWindow = null } }, SlidingWindowMode.Hf),
            ["legacy window (prompt windowed)"] = (config, SlidingWindowMode.HfLegacy),
            ["symmetric window"] = (config, SlidingWindowMode.Symmetric),
            ["no attention softcap"] = (config with { Text = config.Text with { AttnLogitSoftcapping = null } }, SlidingWindowMode.Hf),
            ["no final softcap"] = (config with { Text = config.Text with { FinalLogitSoftcapping = null } }, SlidingWindowMode.Hf),
            ["scale by head_dim"] = (config with { Text = config.Text with { QueryPreAttnScalar = config.Text.HeadDim } }, SlidingWindowMode.Hf),
        };
        foreach ((string name, (PaliGemmaConfig variant, SlidingWindowMode window)) in variants)
        {
            float diff = RefMath.MaxAbsDiff(actual, ReferenceGemma.Logits(variant, weights, all, features, prompt.Length, window: window));
            output.WriteLine($"graph vs reference with {name}: max |diff| = {diff:E3}");
            Assert.True(diff > 1e-2, name);
        }
    }
}
