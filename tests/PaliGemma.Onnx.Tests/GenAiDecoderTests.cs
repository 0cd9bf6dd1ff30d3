using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests;

/// <summary>Runs decoder.onnx under ONNX Runtime GenAI 0.18 (prefill + decode steps) against the reference.</summary>
public sealed class GenAiDecoderTests(ITestOutputHelper output)
{
    /// <summary>Logits per computed position (prompt's last, then each fed generated token) and the greedy tokens.</summary>
    internal static (List<float[]> Logits, List<int> Tokens) Generate(string folder, int[] prompt, float[] features, int hidden, int steps)
    {
        using var model = new Model(folder);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + steps + 4);
        using var generator = new Generator(model, parameters);
        var handle = GCHandle.Alloc(features.Length == 0 ? new float[1] : features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Tensor(handle.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
            generator.AppendTokens(prompt);
            var logits = new List<float[]> { LastLogits(generator) };
            var tokens = new List<int>();
            for (int step = 0; step < steps; step++)
            {
                generator.GenerateNextToken();
                if (step > 0)
                {
                    logits.Add(LastLogits(generator));
                }

                tokens.Add(generator.GetNextTokens()[0]);
            }

            return (logits, tokens);
        }
        finally
        {
            handle.Free();
        }
    }

    private static float[] LastLogits(Generator generator)
    {
        using Tensor logits = generator.GetOutput(DecoderGraphNames.Logits);
        long vocab = logits.Shape()[^1];
        ReadOnlySpan<float> data = logits.GetData<float>();
        return data[^(int)vocab..].ToArray();
    }

    internal static string ExportFolder(PaliGemmaConfig config, ICheckpointReader weights, TempFolder dir, ModelPrecision precision = ModelPrecision.Float32, bool lastTokenLogitsOnly = false)
    {
        DecoderGraphExporter.Export(config, weights, dir.File(ModelFileNames.Decoder), precision, new DecoderExportOptions { LastTokenLogitsOnly = lastTokenLogitsOnly });
        GenAiConfigWriter.Write(config, dir.Path, contextLength: 64, GenAiConfigWriter.DefaultEosTokenIds(config));
        return dir.Path;
    }

    [Theory]
    [InlineData(1, true, false, false)]
    [InlineData(2, true, false, false)]
    [InlineData(1, false, false, false)]
    [InlineData(2, false, false, false)]
    [InlineData(1, true, true, false)]
    [InlineData(2, true, true, false)]
    [InlineData(1, true, false, true)]
    [InlineData(2, true, true, true)]
    public void GenAi_prefill_and_decode_steps_match_reference(int generation, bool withImage, bool lastTokenLogitsOnly, bool untiedHead)
    {
        PaliGemmaConfig config = DecoderGraphTests.Config(generation);
        using var random = new RandomCheckpoint(config, seed: 21);
        using var dir = new TempFolder();
        int rows = withImage ? config.Vision.NumPatches : 0;
        int[] prompt = DecoderGraphTests.Prompt(config, rows, 40, 41, 42, 43);
        float[] features = DecoderGraphTests.Features(config, rows, seed: 22);
        const int Steps = 6;

        // With a tied head random models keep repeating the last token; an untied head makes greedy decoding
        // wander through different tokens, so every decode step feeds a new id.
        float[]? head = untiedHead ? new RandomCheckpoint(config, seed: 77).Read(PaliGemmaTensorNames.EmbedTokens) : null;
        using ICheckpointReader weights = head is null ? random
            : new EditedCheckpoint(random, added: new Dictionary<string, (long[], float[])> { [PaliGemmaTensorNames.LmHead] = ([config.Text.VocabSize, config.Text.HiddenSize], head) });
        (List<float[]> logits, List<int> tokens) = Generate(ExportFolder(config, weights, dir, lastTokenLogitsOnly: lastTokenLogitsOnly), prompt, features, config.Text.HiddenSize, Steps);

        // Reference: prompt bidirectional, generated tokens causal. Positions S-1, S, S+1, ...
        int[] all = [.. prompt, .. tokens];
        float[] expected = ReferenceGemma.Logits(config, random, all, features, prefixLength: prompt.Length, lmHead: head);
        int vocab = config.Text.VocabSize;
        float worst = 0;
        for (int k = 0; k < logits.Count; k++)
        {
            int position = prompt.Length - 1 + k;
            ReadOnlySpan<float> want = expected.AsSpan(position * vocab, vocab);
            worst = Math.Max(worst, RefMath.MaxAbsDiff(logits[k], want));
            Assert.Equal(ArgMax(want), tokens[k]);
        }

        output.WriteLine($"PG{generation} GenAI image={withImage} lastTokenLogits={lastTokenLogitsOnly} untiedHead={untiedHead}: {logits.Count} logit rows vs reference, max |diff| = {worst:E3}; tokens {string.Join(',', tokens)}");
        Assert.True(worst < DecoderGraphTests.Tolerance, $"max abs diff {worst}");
    }

    [Fact]
    public void GenAi_logits_depend_on_bound_image_features()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 23);
        using var dir = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = DecoderGraphTests.Prompt(config, rows, 50);
        string folder = ExportFolder(config, weights, dir);
        float[] a = Generate(folder, prompt, DecoderGraphTests.Features(config, rows, 1), config.Text.HiddenSize, 1).Logits[0];
        float[] b = Generate(folder, prompt, DecoderGraphTests.Features(config, rows, 2), config.Text.HiddenSize, 1).Logits[0];
        Assert.True(RefMath.MaxAbsDiff(a, b) > 1e-3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Pixels_to_tokens_end_to_end_matches_reference(int generation)
    {
        PaliGemmaConfig config = DecoderGraphTests.Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 24);
        using var dir = new TempFolder();
        int size = config.Vision.ImageSize;
        float[] pixels = VisionGraphTests.Pixels(1, size, seed: 25);
        VisionGraphExporter.Export(config, weights, dir.File("vision.onnx"), ModelPrecision.Float32);
        float[] features = VisionGraphTests.RunVision(dir.File("vision.onnx"), pixels, 1, size, out _);
        int[] prompt = DecoderGraphTests.Prompt(config, config.Vision.NumPatches, 90, 91);
        (List<float[]> logits, List<int> tokens) = Generate(ExportFolder(config, weights, dir), prompt, features, config.Text.HiddenSize, 3);

        float[] refFeatures = ReferenceSiglip.Run(config, weights, pixels, 1);
        float[] expected = ReferenceGemma.Logits(config, weights, [.. prompt, .. tokens], refFeatures, prompt.Length);
        int vocab = config.Text.VocabSize;
        float worst = 0;
        for (int k = 0; k < logits.Count; k++)
        {
            worst = Math.Max(worst, RefMath.MaxAbsDiff(logits[k], expected.AsSpan((prompt.Length - 1 + k) * vocab, vocab)));
        }

        output.WriteLine($"PG{generation} pixels -> vision.onnx -> GenAI decoder vs reference: max |diff| = {worst:E3}");
        Assert.True(worst < DecoderGraphTests.Tolerance, $"max abs diff {worst}");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
