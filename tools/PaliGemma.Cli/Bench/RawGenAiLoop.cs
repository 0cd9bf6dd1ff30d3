using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Baseline: the plain ONNX Runtime GenAI loop over the same decoder (Model → Generator → bind image features →
/// AppendTokens → GenerateNextToken per step), with no chat client, tokenizer streaming or channel in between.
/// </summary>
internal sealed class RawGenAiLoop
{
    private readonly Model _model;

    private RawGenAiLoop(Model model) => _model = model;

    /// <summary>
    /// A loop over the decoder instance <paramref name="model"/> already runs (not owned). Both sides of the overhead
    /// comparison share it: two separately loaded copies of the same decoder decoded up to ~20 % apart from process
    /// to process on the test machine, which hid the per-token cost being measured.
    /// </summary>
    public static RawGenAiLoop Over(PaliGemmaModel model) => new(model.GenAiModel);

    /// <summary>Generates up to <paramref name="maxTokens"/> greedy tokens, stopping after a token in <paramref name="stops"/>.</summary>
    public (GenerationTiming Timing, List<int> Ids) Run(int[] prompt, float[] features, int hidden, int maxTokens, IReadOnlySet<int> stops)
    {
        var clock = Stopwatch.StartNew();
        using var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.MaxLength, prompt.Length + maxTokens);
        using var generator = new Generator(_model, parameters);
        GCHandle pin = GCHandle.Alloc(features.Length == 0 ? new float[1] : features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Tensor(pin.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
            generator.AppendTokens(prompt);
            double prefill = clock.Elapsed.TotalMilliseconds;
            var ids = new List<int>(maxTokens);
            double first = 0;
            while (ids.Count < maxTokens && !generator.IsDone())
            {
                generator.GenerateNextToken();
                int id = generator.GetNextTokens()[0];
                ids.Add(id);
                if (ids.Count == 1)
                {
                    first = clock.Elapsed.TotalMilliseconds;
                }

                if (stops.Contains(id))
                {
                    break;
                }
            }

            double end = clock.Elapsed.TotalMilliseconds;
            return (new GenerationTiming(first, (end - first) / 1000.0, ids.Count, prefill, string.Empty, end), ids);
        }
        finally
        {
            pin.Free();
        }
    }
}
