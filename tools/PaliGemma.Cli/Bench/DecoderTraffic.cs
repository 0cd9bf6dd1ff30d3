using Onnx;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Bytes one decode step must read from memory: every decoder weight except the embedding table when the head has its own
/// copy (the Gather touches one row), plus the KV cache. Read from <c>decoder.onnx</c>'s initializer records.
/// </summary>
/// <param name="WeightBytes">Weight bytes read per generated token.</param>
/// <param name="TotalWeightBytes">All decoder weight bytes (the data file).</param>
/// <param name="KvBytesPerPosition">KV-cache bytes per cached position (all layers, keys and values, float32).</param>
internal sealed record DecoderTraffic(long WeightBytes, long TotalWeightBytes, long KvBytesPerPosition)
{
    /// <summary>Reads the decoder graph of a model folder.</summary>
    public static DecoderTraffic Read(string modelFolder)
    {
        string path = Path.Combine(modelFolder, ModelFileNames.Decoder);
        ModelProto model;
        using (FileStream stream = File.OpenRead(path))
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }

        var sizes = model.Graph.Initializer.ToDictionary(t => t.Name, Size, StringComparer.Ordinal);
        long total = sizes.Values.Sum();
        bool separateHead = sizes.Keys.Any(n => n.Contains(".int4_head", StringComparison.Ordinal) || n.EndsWith("lm_head.weight", StringComparison.Ordinal));
        long embedding = sizes.Where(p => p.Key.EndsWith("embed_tokens.weight", StringComparison.Ordinal)).Sum(p => p.Value);
        long perToken = separateHead ? total - embedding : total;

        long kv = 0;
        foreach (ValueInfoProto input in model.Graph.Input.Where(i => i.Name.StartsWith("past_key_values.", StringComparison.Ordinal)))
        {
            var dims = input.Type.TensorType.Shape.Dim;
            kv += dims[1].DimValue * dims[3].DimValue * sizeof(float);
        }

        return new DecoderTraffic(perToken, total, kv);
    }

    private static long Size(TensorProto t)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
        {
            return long.Parse(t.ExternalData.Single(e => e.Key == "length").Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return t.RawData.Length + (t.FloatData.Count * 4L) + (t.Int64Data.Count * 8L);
    }
}
