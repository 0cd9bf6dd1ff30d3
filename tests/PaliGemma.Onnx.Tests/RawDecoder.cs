using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Tests;

/// <summary>Runs decoder.onnx with plain ONNX Runtime (batch 1), carrying the KV cache between calls.</summary>
internal sealed class RawDecoder(string onnxPath, PaliGemmaConfig config) : IDisposable
{
    private readonly InferenceSession _session = new(onnxPath);
    private float[][] _keys = Enumerable.Range(0, config.Text.NumHiddenLayers).Select(_ => Array.Empty<float>()).ToArray();
    private float[][] _values = Enumerable.Range(0, config.Text.NumHiddenLayers).Select(_ => Array.Empty<float>()).ToArray();

    public int PastLength { get; private set; }

    /// <summary>Feeds <paramref name="ids"/> after the cached tokens and returns logits [ids.Length, vocab].</summary>
    public float[] Step(int[] ids, float[] features)
    {
        GemmaTextConfig t = config.Text;
        int s = ids.Length, total = PastLength + s, kv = t.NumKeyValueHeads, d = t.HeadDim;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(DecoderGraphNames.InputIds, new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, s])),
            NamedOnnxValue.CreateFromTensor(DecoderGraphNames.AttentionMask, new DenseTensor<long>(Enumerable.Repeat(1L, total).ToArray(), [1, total])),
            NamedOnnxValue.CreateFromTensor(DecoderGraphNames.PositionIds, new DenseTensor<long>(Enumerable.Range(PastLength, s).Select(i => (long)i).ToArray(), [1, s])),
            NamedOnnxValue.CreateFromTensor(DecoderGraphNames.ImageFeatures, new DenseTensor<float>(features, [features.Length / t.HiddenSize, t.HiddenSize])),
        };
        for (int l = 0; l < t.NumHiddenLayers; l++)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor(DecoderGraphExporter.Layer(DecoderGraphNames.PastKeyTemplate, l), new DenseTensor<float>(_keys[l], [1, kv, PastLength, d])));
            inputs.Add(NamedOnnxValue.CreateFromTensor(DecoderGraphExporter.Layer(DecoderGraphNames.PastValueTemplate, l), new DenseTensor<float>(_values[l], [1, kv, PastLength, d])));
        }

        using var results = _session.Run(inputs);
        var byName = results.ToDictionary(r => r.Name, r => r.AsTensor<float>());
        var logits = byName[DecoderGraphNames.Logits];
        Assert.Equal([1, s, t.VocabSize], logits.Dimensions.ToArray());
        for (int l = 0; l < t.NumHiddenLayers; l++)
        {
            var key = byName[DecoderGraphExporter.Layer(DecoderGraphNames.PresentKeyTemplate, l)];
            Assert.Equal([1, kv, total, d], key.Dimensions.ToArray());
            _keys[l] = key.ToArray();
            _values[l] = byName[DecoderGraphExporter.Layer(DecoderGraphNames.PresentValueTemplate, l)].ToArray();
        }

        PastLength = total;
        return logits.ToArray();
    }

    public void Dispose() => _session.Dispose();
}
