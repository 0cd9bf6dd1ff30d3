using System.Globalization;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;

namespace PaliGemma.Onnx.Graph;

/// <summary>
/// Reads checkpoint tensors one at a time, checks their shapes, lays them out for the graph
/// (linear weights transposed to [in, out]) and writes them to the graph's external data file.
/// Memory use is bounded by the largest tensor (twice for a transposed one).
/// </summary>
internal sealed class WeightLoader
{
    private readonly ICheckpointReader _reader;
    private readonly OnnxGraphBuilder _builder;
    private readonly IProgress<ExportProgress>? _progress;
    private readonly string _stage;
    private readonly long _total;
    private long _done;

    /// <summary>Creates a loader writing through <paramref name="builder"/>.</summary>
    public WeightLoader(ICheckpointReader reader, OnnxGraphBuilder builder, ModelPrecision precision, IProgress<ExportProgress>? progress, string stage, long total, Int4QuantizationOptions? int4 = null)
    {
        _reader = reader;
        _builder = builder;
        Half = precision == ModelPrecision.Float16;
        EmbeddingHalf = precision is ModelPrecision.Float16 or ModelPrecision.Int4;
        Int4 = precision == ModelPrecision.Int4 ? int4 ?? new Int4QuantizationOptions() : null;
        Int4?.Validate();
        _progress = progress;
        _stage = stage;
        _total = total;
    }

    /// <summary>Gets whether matrix weights are stored (and multiplied) as float16.</summary>
    public bool Half { get; }

    /// <summary>Gets whether the token embedding table is stored as float16 (float16 and int4 exports).</summary>
    public bool EmbeddingHalf { get; }

    /// <summary>Gets the 4-bit settings of an int4 export, or null.</summary>
    public Int4QuantizationOptions? Int4 { get; }

    /// <summary>
    /// A linear weight stored by HF as [out, in]: quantised to 4 bits in that layout for int4 exports, otherwise written
    /// transposed as [in, out] for MatMul.
    /// </summary>
    public LinearWeight Linear(string name, long outDim, long inDim)
    {
        float[] w = Read(name, outDim, inDim);
        if (Int4 is not null)
        {
            return Quantized(name, w, outDim, inDim, Int4);
        }

        float[] t = new float[w.Length];
        Transpose(w, t, (int)outDim, (int)inDim);
        return new LinearWeight(Written(_builder.Weight(name, t, [inDim, outDim], Half)), inDim, outDim, null);
    }

    /// <summary>A 4-bit MatMulNBits copy of an [out, in] tensor (the tied language-model head reads the embedding table).</summary>
    public LinearWeight QuantizedCopy(string name, long outDim, long inDim, Int4QuantizationOptions options) =>
        Quantized(name + ".int4_head", Read(name, outDim, inDim), outDim, inDim, options);

    /// <summary>The token embedding table, float16 when <see cref="EmbeddingHalf"/>.</summary>
    public string Embedding(string name, long vocab, long hidden)
    {
        float[] w = Read(name, vocab, hidden);
        return Written(_builder.Weight(name, w, [vocab, hidden], EmbeddingHalf));
    }

    /// <summary>A matrix or higher-rank weight written in its stored layout (float16 when <see cref="Half"/>).</summary>
    public string Matrix(string name, params long[] shape)
    {
        float[] w = Read(name, shape);
        return Written(_builder.Weight(name, w, shape, Half));
    }

    /// <summary>A vector (bias or norm weight) written as float32.</summary>
    public string Vector(string name, long length)
    {
        float[] w = Read(name, length);
        return Written(_builder.Weight(name, w, [length], false));
    }

    /// <summary>A Gemma RMSNorm weight written as float32 <c>1 + w</c> (HF adds 1 in float32).</summary>
    public string RmsNormScale(string name, long length)
    {
        float[] w = Read(name, length);
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = 1f + w[i];
        }

        return Written(_builder.Weight(name + ".plus_one", w, [length], false));
    }

    /// <summary>Reads a tensor as float32 after checking that its shape is <paramref name="expected"/>.</summary>
    public float[] Read(string name, params long[] expected)
    {
        if (!_reader.Contains(name))
        {
            throw new CheckpointException($"The checkpoint has no tensor '{name}' (expected shape [{Format(expected)}]).");
        }

        TensorInfo info = _reader.GetInfo(name);
        if (!info.Shape.SequenceEqual(expected))
        {
            throw new CheckpointException(
                $"Tensor '{name}' has shape [{Format(info.Shape)}] but the configuration requires [{Format(expected)}].");
        }

        long count = info.ElementCount;
        if (count > Array.MaxLength)
        {
            throw new CheckpointException($"Tensor '{name}' has {count} elements, more than one array can hold.");
        }

        float[] data = new float[count];
        _reader.ReadFloat32(name, data);
        return data;
    }

    private static string Format(IEnumerable<long> shape) => string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    private static void Transpose(float[] source, float[] destination, int rows, int cols)
    {
        const int Block = 64;
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int r1 = Math.Min(rows, r0 + Block);
            for (int c0 = 0; c0 < cols; c0 += Block)
            {
                int c1 = Math.Min(cols, c0 + Block);
                for (int r = r0; r < r1; r++)
                {
                    long rowBase = (long)r * cols;
                    for (int c = c0; c < c1; c++)
                    {
                        destination[((long)c * rows) + r] = source[rowBase + c];
                    }
                }
            }
        }
    }

    private LinearWeight Quantized(string name, float[] w, long outDim, long inDim, Int4QuantizationOptions options)
    {
        Int4Matrix q = Int4BlockQuantizer.Quantize(w, (int)outDim, (int)inDim, options.BlockSize, options.Symmetric);
        string packed = _builder.RawWeight(name + ".q4", q.Packed, ElementType.UInt8, [outDim, q.BlocksPerRow, q.BlobSize]);
        string scales = _builder.Weight(name + ".q4_scales", q.Scales, [q.Scales.Length], false);
        string? zeros = q.ZeroPoints is null ? null : _builder.RawWeight(name + ".q4_zero_points", q.ZeroPoints, ElementType.UInt8, [q.ZeroPoints.Length]);
        return new LinearWeight(Written(packed), inDim, outDim, new Int4Weight(scales, zeros, options.BlockSize, options.AccuracyLevel));
    }

    private string Written(string name)
    {
        _done++;
        _progress?.Report(new ExportProgress(_stage, _done, _total));
        return name;
    }
}
