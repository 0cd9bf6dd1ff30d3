using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Agreement of a model with a reference model (e.g. int4 against fp32) when both are teacher-forced along the same
/// token sequence: the prompt in one prefill, then one fixed token per step. At every step the two argmaxes are compared,
/// and the logits' RMS difference is taken relative to the reference logits' RMS.
/// </summary>
/// <param name="Agreement">Fraction of steps with the same argmax.</param>
/// <param name="Steps">Compared steps.</param>
/// <param name="TrivialShare">Fraction of steps where the reference argmax is the token just fed (random tied-embedding models tend to echo).</param>
/// <param name="NonTrivialAgreement">Agreement over the other steps, or null when there are none.</param>
/// <param name="RelativeLogitRmsError">RMS(candidate − reference) / RMS(reference) over all compared logits.</param>
/// <param name="MaskedAgreement">Agreement of the argmax over every token except the one just fed (a non-trivial top-1 on echoing random models).</param>
internal sealed record Top1Agreement(double Agreement, int Steps, double TrivialShare, double? NonTrivialAgreement, double RelativeLogitRmsError, double MaskedAgreement)
{
    /// <summary>Measures over <paramref name="steps"/> steps; the forced tokens are drawn (seeded) from ids 109 … <paramref name="maxTokenId"/>.</summary>
    public static Top1Agreement Measure(string referenceFolder, string candidateFolder, int[] prompt, float[] features, int hidden, int steps, int threads, int maxTokenId)
    {
        var random = new Random(1234);
        int[] forced = Enumerable.Range(0, steps).Select(_ => random.Next(109, maxTokenId)).ToArray();
        float[][] reference = Logits(referenceFolder, prompt, forced, features, hidden, threads);
        float[][] candidate = Logits(candidateFolder, prompt, forced, features, hidden, threads);

        int agree = 0, trivial = 0, nonTrivialAgree = 0, maskedAgree = 0;
        double diff = 0, norm = 0;
        for (int k = 0; k < steps; k++)
        {
            int a = ArgMax(reference[k]), b = ArgMax(candidate[k]);
            bool echo = k > 0 && a == forced[k - 1];
            agree += a == b ? 1 : 0;
            trivial += echo ? 1 : 0;
            nonTrivialAgree += !echo && a == b ? 1 : 0;
            int fed = k > 0 ? forced[k - 1] : -1;
            maskedAgree += ArgMax(reference[k], fed) == ArgMax(candidate[k], fed) ? 1 : 0;
            for (int i = 0; i < reference[k].Length; i++)
            {
                double d = candidate[k][i] - reference[k][i];
                diff += d * d;
                norm += (double)reference[k][i] * reference[k][i];
            }
        }

        int nonTrivial = steps - trivial;
        return new Top1Agreement(
            (double)agree / steps,
            steps,
            (double)trivial / steps,
            nonTrivial > 0 ? (double)nonTrivialAgree / nonTrivial : null,
            Math.Sqrt(diff / norm),
            (double)maskedAgree / steps);
    }

    private static float[][] Logits(string folder, int[] prompt, int[] forced, float[] features, int hidden, int threads)
    {
        using var config = new Config(folder);
        config.ClearProviders();
        if (threads > 0)
        {
            config.Overlay("{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":" + threads.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}}");
        }

        using var model = new Model(config);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.MaxLength, prompt.Length + forced.Length + 1);
        using var generator = new Generator(model, parameters);
        GCHandle pin = GCHandle.Alloc(features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Tensor(pin.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
            generator.AppendTokens(prompt);
            var result = new float[forced.Length][];
            for (int k = 0; k < forced.Length; k++)
            {
                result[k] = LastLogits(generator);
                if (k + 1 < forced.Length)
                {
                    generator.AppendTokens([forced[k]]);
                }
            }

            return result;
        }
        finally
        {
            pin.Free();
        }
    }

    private static float[] LastLogits(Generator generator)
    {
        using Tensor logits = generator.GetOutput(DecoderGraphNames.Logits);
        long vocab = logits.Shape()[^1];
        return logits.GetData<float>()[^(int)vocab..].ToArray();
    }

    private static int ArgMax(float[] values, int excluded = -1)
    {
        int best = excluded == 0 ? 1 : 0;
        for (int i = best + 1; i < values.Length; i++)
        {
            if (i != excluded && values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
