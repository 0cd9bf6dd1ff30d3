using System.Diagnostics;
using PaliGemma.AI;
using PaliGemma.AI.Constraints;
using PaliGemma.AI.Runtime;

namespace PaliGemma.Cli.Bench;

/// <summary>Times <see cref="PaliGemmaModel.Generate"/> directly (library loop without the chat client), to split overhead between layers.</summary>
internal static class LibraryLoopProbe
{
    /// <summary>Generates greedily from precomputed features (under <paramref name="constraint"/> when given) and returns the timings.</summary>
    public static GenerationTiming Run(PaliGemmaModel model, float[] features, int[] prompt, int maxTokens, PaliGemmaOutputConstraint? constraint = null)
    {
        var clock = Stopwatch.StartNew();
        double first = 0;
        int count = 0;
        foreach (GeneratedToken token in model.Generate(features, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = maxTokens, Constraint = constraint }))
        {
            _ = token;
            if (++count == 1)
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
        }

        double end = clock.Elapsed.TotalMilliseconds;
        return new GenerationTiming(first, (end - first) / 1000.0, count, null, string.Empty, end);
    }
}
