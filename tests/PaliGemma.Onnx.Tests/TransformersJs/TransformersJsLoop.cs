using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.TransformersJs;

namespace PaliGemma.Onnx.Tests.TransformersJs;

/// <summary>
/// What transformers.js 4.3 does with a PaliGemma folder, step by step, on plain ONNX Runtime (no node needed):
/// <c>embed_tokens(input_ids)</c>, feature rows copied over the <c>&lt;image&gt;</c> rows (no scaling), one decoder call for the
/// whole prompt with a ones <c>attention_mask</c>, 1-based <c>position_ids</c> (cumsum of the mask starting at 1, as its
/// <c>create_position_ids(…, start_index = 1)</c> does for <c>model_type</c> "paligemma"), empty past tensors,
/// <c>num_logits_to_keep</c> = 1; then one token per call with the presents as the next past; greedy argmax.
/// </summary>
internal sealed class TransformersJsLoop : IDisposable
{
    private readonly InferenceSession _vision;
    private readonly InferenceSession _embed;
    private readonly InferenceSession _decoder;
    private readonly GemmaTextConfig _text;
    private readonly int _imageToken;

    public TransformersJsLoop(string folder, ModelPrecision precision, PaliGemmaConfig config)
    {
        string Graph(string session) => Path.Combine(folder, TransformersJsLayout.GraphFile(session, precision));
        _vision = new InferenceSession(Graph(TransformersJsLayout.VisionEncoder));
        _embed = new InferenceSession(Graph(TransformersJsLayout.EmbedTokens));
        _decoder = new InferenceSession(Graph(TransformersJsLayout.DecoderModelMerged));
        _text = config.Text;
        _imageToken = config.ImageTokenIndex;
    }

    public InferenceSession Decoder => _decoder;

    public InferenceSession VisionSession => _vision;

    public InferenceSession EmbedSession => _embed;

    public float[] Vision(float[] pixels, int size)
    {
        using var results = _vision.Run([NamedOnnxValue.CreateFromTensor("pixel_values", new DenseTensor<float>(pixels, [1, 3, size, size]))]);
        return results.First(r => r.Name == "image_features").AsEnumerable<float>().ToArray();
    }

    /// <summary>Greedy generation; returns the tokens and, per step, the logits the token was chosen from.</summary>
    public (List<int> Tokens, List<float[]> Logits) Generate(int[] prompt, float[] features, int steps)
    {
        int h = _text.HiddenSize;
        float[] embeds = Embed(prompt);
        int row = 0;
        for (int i = 0; i < prompt.Length; i++)
        {
            if (prompt[i] == _imageToken)
            {
                Array.Copy(features, row++ * h, embeds, i * h, h);
            }
        }

        Assert.Equal(features.Length / h, row); // transformers.js throws when tokens and feature rows differ

        Dictionary<string, DenseTensor<float>> past = EmptyPast();
        var tokens = new List<int>();
        var logits = new List<float[]>();
        int length = prompt.Length;
        long[] positions = Enumerable.Range(1, prompt.Length).Select(p => (long)p).ToArray();
        for (int step = 0; step < steps; step++)
        {
            float[] last = Run(embeds, positions, length, past, keep: 1, out Dictionary<string, DenseTensor<float>> present)[0];
            int next = ArgMax(last);
            tokens.Add(next);
            logits.Add(last);
            past = present;
            length++;
            embeds = Embed([next]);
            positions = [length];
        }

        return (tokens, logits);
    }

    /// <summary>One decoder call: returns the logits rows it produced ([rows][vocab]) and the presents.</summary>
    public float[][] Run(float[] embeds, long[] positions, int totalLength, Dictionary<string, DenseTensor<float>> past, long keep, out Dictionary<string, DenseTensor<float>> present)
    {
        int h = _text.HiddenSize;
        int seq = embeds.Length / h;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(DecoderGraphExporter.InputsEmbeds, new DenseTensor<float>(embeds, [1, seq, h])),
            NamedOnnxValue.CreateFromTensor(DecoderGraphNames.AttentionMask, new DenseTensor<long>(Enumerable.Repeat(1L, totalLength).ToArray(), [1, totalLength])),
            NamedOnnxValue.CreateFromTensor(DecoderGraphNames.PositionIds, new DenseTensor<long>(positions, [1, seq])),
            NamedOnnxValue.CreateFromTensor(DecoderGraphExporter.NumLogitsToKeep, new DenseTensor<long>(new[] { keep }, ReadOnlySpan<int>.Empty)),
        };
        inputs.AddRange(past.Select(p => NamedOnnxValue.CreateFromTensor(p.Key, p.Value)));
        using var results = _decoder.Run(inputs);
        present = [];
        float[][] rows = [];
        foreach (DisposableNamedOnnxValue result in results)
        {
            var tensor = (DenseTensor<float>)result.AsTensor<float>().Clone();
            if (result.Name == DecoderGraphNames.Logits)
            {
                int vocab = tensor.Dimensions[^1];
                float[] data = tensor.Buffer.ToArray();
                rows = Enumerable.Range(0, data.Length / vocab).Select(r => data[(r * vocab)..((r + 1) * vocab)]).ToArray();
            }
            else
            {
                present[result.Name.Replace("present", "past_key_values", StringComparison.Ordinal)] = tensor;
            }
        }

        return rows;
    }

    public float[] Embed(int[] ids)
    {
        var tensor = new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        using var results = _embed.Run([NamedOnnxValue.CreateFromTensor(DecoderGraphNames.InputIds, tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    public Dictionary<string, DenseTensor<float>> EmptyPast()
    {
        var past = new Dictionary<string, DenseTensor<float>>();
        for (int layer = 0; layer < _text.NumHiddenLayers; layer++)
        {
            past[Name(DecoderGraphNames.PastKeyTemplate, layer)] = new DenseTensor<float>([1, _text.NumKeyValueHeads, 0, _text.HeadDim]);
            past[Name(DecoderGraphNames.PastValueTemplate, layer)] = new DenseTensor<float>([1, _text.NumKeyValueHeads, 0, _text.HeadDim]);
        }

        return past;
    }

    public static int ArgMax(float[] values)
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

    public void Dispose()
    {
        _vision.Dispose();
        _embed.Dispose();
        _decoder.Dispose();
    }

    private static string Name(string template, int layer) => DecoderGraphExporter.Layer(template, layer);
}
