using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fixtures;
using PaliGemma.Onnx.Tests.Reference;

namespace PaliGemma.Onnx.Tests.Fidelity;

/// <summary>
/// One comparison of a converted model folder against a fixture: pixels → vision.onnx → decoder.onnx, with raw ORT
/// (prefill logits at the stored positions) and under ORT GenAI (prefill + decode steps, teacher-forced with the
/// fixture's greedy tokens, and free-running greedy), for the image prompt and the text-only prompt.
/// The same measurement serves the fidelity tests (must be within tolerance) and the mutation tests (must not).
/// </summary>
internal sealed record FidelityMeasurement(
    float Vision,
    float PrefillAt,
    FidelityMeasurement.Run Image,
    FidelityMeasurement.Run TextOnly)
{
    /// <summary>Tokens generated and predicted per prompt (as many as the fixture's greedy_tokens).</summary>
    public const int Tokens = 32;

    /// <summary>Gets the largest |Δ| over every compared logit and feature.</summary>
    public float MaxLogits => Math.Max(PrefillAt, Math.Max(Image.Logits, TextOnly.Logits));

    /// <summary>Gets the teacher-forced top-1 agreement over both prompts.</summary>
    public double Agreement => (double)(Image.Agreeing + TextOnly.Agreeing) / (2 * Tokens);

    /// <summary>The fp32 tolerance: 1e-4, pg2_softcap 5e-4 (the float32 oracle itself is 8e-5 off the stored float64 there, logits up to 25).</summary>
    public static double Float32Tolerance(string name) => name == "pg2_softcap" ? 5e-4 : 1e-4;

    public static FidelityMeasurement Measure(ReferenceFixture fx, ConvertedModel model)
    {
        int size = fx.ImageSize, hidden = fx.Config.Text.HiddenSize, vocab = fx.Config.Text.VocabSize;
        float[] features = VisionGraphTests.RunVision(model.Vision, fx.PixelValues(), 1, size, out int[] shape);
        Assert.Equal([fx.Config.Vision.NumPatches, hidden], shape);
        float vision = RefMath.MaxAbsDiff(features, fx.Floats("image_features"));

        int[] prompt = fx.Prompt(string.Empty);
        float[] full;
        using (var raw = new RawDecoder(model.Decoder, fx.Config))
        {
            full = raw.Step(prompt, features);
        }

        float[] at = fx.Floats("prefill_logits_at");
        int[] positions = fx.Ints("prefill_positions");
        float prefillAt = 0;
        for (int i = 0; i < positions.Length; i++)
        {
            prefillAt = Math.Max(prefillAt, RefMath.MaxAbsDiff(full.AsSpan(positions[i] * vocab, vocab), at.AsSpan(i * vocab, vocab)));
        }

        return new FidelityMeasurement(
            vision,
            prefillAt,
            Compare(fx, model.Folder, string.Empty, features, hidden, vocab),
            Compare(fx, model.Folder, "text_only.", [], hidden, vocab));
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"vision {Vision:E2}, prefill@positions {PrefillAt:E2}, image run {Image.Describe()}, text-only run {TextOnly.Describe()}");

    /// <summary>Teacher-forced decoding under ORT GenAI: the prompt, then one <c>AppendTokens</c> per input token; logits after each.</summary>
    internal static List<float[]> TeacherForced(string folder, int[] prompt, float[] features, int hidden, IReadOnlyList<int> inputs)
    {
        using var model = new Model(folder);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + inputs.Count + 4);
        using var generator = new Generator(model, parameters);
        var handle = GCHandle.Alloc(features.Length == 0 ? new float[1] : features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Tensor(handle.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
            generator.AppendTokens(prompt);
            var logits = new List<float[]> { LastLogits(generator) };
            foreach (int token in inputs)
            {
                generator.AppendTokens([token]);
                logits.Add(LastLogits(generator));
            }

            return logits;
        }
        finally
        {
            handle.Free();
        }
    }

    private static int ArgMax(float[] values)
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

    private static float[] LastLogits(Generator generator)
    {
        using Tensor logits = generator.GetOutput(DecoderGraphNames.Logits);
        int vocab = (int)logits.Shape()[^1];
        return logits.GetData<float>()[^vocab..].ToArray();
    }

    private static Run Compare(ReferenceFixture fx, string folder, string prefix, float[] features, int hidden, int vocab)
    {
        int[] prompt = fx.Prompt(prefix);
        int[] expected = fx.IntArray(prefix + "greedy_tokens");
        Assert.Equal(Tokens, expected.Length);
        Assert.Equal(fx.DecodeInputs(prefix), expected.Take(fx.Case.GetProperty("decode_steps").GetInt32()));
        float[] last = fx.Floats(prefix + "prefill_logits_last");
        float[] decode = fx.Floats(prefix + "decode_logits");
        int steps = decode.Length / vocab;

        float MaxDiff(IReadOnlyList<float[]> logits)
        {
            float worst = RefMath.MaxAbsDiff(logits[0], last);
            for (int t = 0; t < steps; t++)
            {
                worst = Math.Max(worst, RefMath.MaxAbsDiff(logits[t + 1], decode.AsSpan(t * vocab, vocab)));
            }

            return worst;
        }

        // Teacher-forced: feed the fixture's tokens, so every row is comparable even when a prediction differs.
        List<float[]> forced = TeacherForced(folder, prompt, features, hidden, expected[..^1]);
        int agreeing = Enumerable.Range(0, Tokens).Count(k => ArgMax(forced[k]) == expected[k]);

        // Free-running greedy, as an application runs it.
        (List<float[]> logits, List<int> tokens) = GenAiDecoderTests.Generate(folder, prompt, features, hidden, Tokens);
        int same = 0;
        while (same < Tokens && tokens[same] == expected[same])
        {
            same++;
        }

        return new Run(Math.Max(MaxDiff(forced), same >= steps ? MaxDiff(logits) : 0), agreeing, same, [.. tokens], expected);
    }

    /// <summary>One prompt's figures.</summary>
    /// <param name="Logits">Max |Δ| over prefill + decode-step logits (teacher-forced, and free-running while its tokens match).</param>
    /// <param name="Agreeing">Teacher-forced predictions whose argmax is the fixture's greedy token (of <see cref="Tokens"/>).</param>
    /// <param name="SamePrefix">Free-running greedy tokens equal to the fixture's before the first difference.</param>
    internal sealed record Run(float Logits, int Agreeing, int SamePrefix, int[] Generated, int[] Expected)
    {
        public string Describe() => string.Create(
            CultureInfo.InvariantCulture,
            $"logits {Logits:E2}, top-1 {Agreeing}/{Tokens}, greedy same for {SamePrefix}/{Tokens}");
    }
}
