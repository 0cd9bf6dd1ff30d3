using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Baseline: the plain ONNX Runtime GenAI loop over the same decoder folder (Model → Generator → bind image features →
/// AppendTokens → GenerateNextToken per step), with no chat client, tokenizer streaming or channel in between.
/// </summary>
internal sealed class RawGenAiLoop : IDisposable
{
    private readonly Config _config;
    private readonly Model _model;

    private RawGenAiLoop(Config config, Model model)
    {
        _config = config;
        _model = model;
    }

    /// <summary>Loads the decoder of <paramref name="folder"/> on the CPU with <paramref name="threads"/> intra-op threads (0 = default).</summary>
    public static RawGenAiLoop Load(string folder, int threads)
    {
        var config = new Config(folder);
        config.ClearProviders();
        if (threads > 0)
        {
            config.Overlay("{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":" + threads.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}}");
        }

        return new RawGenAiLoop(config, new Model(config));
    }

    /// <summary>Generates up to <paramref name="maxTokens"/> greedy tokens, stopping after a token in <paramref name="stops"/>.</summary>
    public (GenerationTiming Timing, List<int> Ids) Run(int[] prompt, float[] features, int hidden, int maxTokens, IReadOnlySet<int> stops)
    {
        var clock = Stopwatch.StartNew();
        using var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", prompt.Length + maxTokens);
        using var generator = new Generator(_model, parameters);
        GCHandle pin = GCHandle.Alloc(features.Length == 0 ? new float[1] : features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Tensor(pin.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput("image_features", tensor);
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

    /// <inheritdoc />
    public void Dispose()
    {
        _model.Dispose();
        _config.Dispose();
    }
}
