using System.Globalization;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Graphs;

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
    public WeightLoader(ICheckpointReader reader, OnnxGraphBuilder builder, ModelPrecision precision, IProgress<ExportProgress>? progress, string stage, long total)
    {
        _reader = reader;
        _builder = builder;
        Half = precision == ModelPrecision.Float16;
        _progress = progress;
        _stage = stage;
        _total = total;
    }

    /// <summary>Gets whether matrix weights are stored (and multiplied) as float16.</summary>
    public bool Half { get; }

    /// <summary>A linear weight stored by HF as [out, in]; written transposed as [in, out] for MatMul.</summary>
    public string Linear(string name, long outDim, long inDim)
    {
        float[] w = Read(name, outDim, inDim);
        float[] t = new float[w.Length];
        Transpose(w, t, (int)outDim, (int)inDim);
        return Written(_builder.Weight(name, t, [inDim, outDim], Half));
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

    private string Written(string name)
    {
        _done++;
        _progress?.Report(new ExportProgress(_stage, _done, _total));
        return name;
    }
}
