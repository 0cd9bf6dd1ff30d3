using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Top-1 agreement of a model with a reference model over a greedy continuation: the reference generates greedily, then the
/// candidate is teacher-forced along the reference's tokens (prefill once, then one token per step) and its argmax is
/// compared at every step. Both decoders must take the same ids and image features.
/// </summary>
internal static class Top1Agreement
{
    /// <summary>Returns (agreeing steps, steps, distinct reference tokens).</summary>
    public static (int Agree, int Steps, int Distinct) Measure(string referenceFolder, string candidateFolder, int[] prompt, float[] features, int hidden, int steps, int threads)
    {
        List<int> reference;
        using (RawGenAiLoop loop = RawGenAiLoop.Load(referenceFolder, threads))
        {
            (_, reference) = loop.Run(prompt, features, hidden, steps, new HashSet<int>());
        }

        using var config = new Config(candidateFolder);
        config.ClearProviders();
        using var model = new Model(config);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + steps + 1);
        using var generator = new Generator(model, parameters);
        GCHandle pin = GCHandle.Alloc(features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Tensor(pin.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput("image_features", tensor);
            generator.AppendTokens(prompt);
            int agree = 0;
            for (int k = 0; k < reference.Count; k++)
            {
                if (ArgMax(generator) == reference[k])
                {
                    agree++;
                }

                if (k + 1 < reference.Count)
                {
                    generator.AppendTokens([reference[k]]);
                }
            }

            return (agree, reference.Count, reference.Distinct().Count());
        }
        finally
        {
            pin.Free();
        }
    }

    private static int ArgMax(Generator generator)
    {
        using Tensor logits = generator.GetOutput("logits");
        long vocab = logits.Shape()[^1];
        ReadOnlySpan<float> last = logits.GetData<float>()[^(int)vocab..];
        int best = 0;
        for (int i = 1; i < last.Length; i++)
        {
            if (last[i] > last[best])
            {
                best = i;
            }
        }

        return best;
    }
}
