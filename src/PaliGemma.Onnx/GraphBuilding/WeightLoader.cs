using System.Globalization;
using System.Runtime.InteropServices;
using PaliGemma.Onnx.Adapters;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;

namespace PaliGemma.Onnx.GraphBuilding;

/// <summary>
/// Reads checkpoint tensors one at a time, checks their shapes, lays them out for the graph
/// (linear weights transposed to [in, out]) and writes them to the graph's external data file.
/// The token embedding table and every 4-bit linear weight (the tied head's copy included) are streamed a slice of rows
/// at a time (<see cref="DefaultSliceElements"/> checkpoint elements by default), so an int4 export's memory does not grow with the largest
/// tensor; float32/float16 linear weights are transposed whole (memory bounded by twice the largest such tensor).
/// </summary>
internal sealed class WeightLoader
{
    private readonly ICheckpointReader _reader;
    private readonly OnnxGraphBuilder _builder;
    private readonly IProgress<ExportProgress>? _progress;
    private readonly string _stage;
    private readonly long _total;
    private readonly long _sliceElements;
    private long _done;

    /// <summary>The default number of checkpoint elements read per slice of a streamed tensor (4 Mi: 16 MB as float32).</summary>
    public const long DefaultSliceElements = 1 << 22;

    /// <summary>Creates a loader writing through <paramref name="builder"/>.</summary>
    /// <param name="reader">The checkpoint.</param>
    /// <param name="builder">The graph whose external data receives the weights.</param>
    /// <param name="precision">Weight precision.</param>
    /// <param name="progress">Optional progress sink.</param>
    /// <param name="stage">The progress stage name.</param>
    /// <param name="total">The number of tensors the stage writes.</param>
    /// <param name="int4">4-bit settings of an int4 export; null = defaults.</param>
    /// <param name="sliceElements">Checkpoint elements read per slice of a streamed tensor (at least one row is read at a time).</param>
    public WeightLoader(ICheckpointReader reader, OnnxGraphBuilder builder, ModelPrecision precision, IProgress<ExportProgress>? progress, string stage, long total, Int4QuantizationOptions? int4 = null, long sliceElements = DefaultSliceElements)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceElements, 1);
        _sliceElements = sliceElements;
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
        LinearWeight weight;
        if (Int4 is not null)
        {
            Check(name, outDim, inDim);
            weight = Quantized(name, [(name, outDim)], inDim, Int4);
        }
        else
        {
            float[] w = Read(name, outDim, inDim);
            float[] t = new float[w.Length];
            Transpose(w, t, (int)outDim, (int)inDim, (int)outDim, 0);
            weight = new LinearWeight(Written(_builder.Weight(name, t, [inDim, outDim], Half)), inDim, outDim, null);
        }

        return RuntimeLora(name, outDim, inDim) is { } lora ? weight with { Lora = lora } : weight;
    }

    /// <summary>
    /// Declares the run-time LoRA inputs of linear weight <paramref name="name"/> with zero-rank defaults when the checkpoint
    /// asks for them (<see cref="IRuntimeLoraSlots"/>); null otherwise.
    /// </summary>
    private RuntimeLoraInputs? RuntimeLora(string name, long outDim, long inDim)
    {
        if (_reader is not IRuntimeLoraSlots slots || !slots.HasRuntimeLora(name))
        {
            return null;
        }

        (string a, string b) = RuntimeLoraNames.Inputs(name);
        string rank = RuntimeLoraNames.RankSymbol(name);
        _builder.Input(a, ElementType.Float, inDim, rank);
        _builder.InlineF32(a, [], [inDim, 0]);
        _builder.Input(b, ElementType.Float, rank, outDim);
        _builder.InlineF32(b, [], [0, outDim]);
        return new RuntimeLoraInputs(a, b);
    }

    /// <summary>
    /// One linear weight whose output features are the concatenation of several checkpoint tensors that read the same
    /// input (each [out_i, in]: q/k/v projections, gate/up projections), so the graph runs one MatMul / MatMulNBits and
    /// splits its output instead of running one per tensor. At M = 1 (decode) a 4-bit MatMul is dominated by per-call
    /// overhead and by the parallel split of a small N (k/v have N = 256 at PaliGemma widths), which a wider N amortises.
    /// Every output feature is computed from its own row exactly as before (4-bit blocks run along the input axis), so
    /// the fused weight holds the same bytes as the separate ones, concatenated.
    /// </summary>
    /// <param name="name">The fused initializer's name.</param>
    /// <param name="parts">The checkpoint tensors, in output order, with their output features.</param>
    /// <param name="inDim">K, the input features they share.</param>
    public LinearWeight FusedLinear(string name, IReadOnlyList<(string Source, long OutDim)> parts, long inDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts.Count, 2);
        foreach ((string source, long outDim) in parts)
        {
            Check(source, outDim, inDim);
        }

        for (int i = 1; i < parts.Count; i++)
        {
            Advance(); // progress counts checkpoint tensors; Written reports the last one
        }

        LinearWeight fused;
        if (Int4 is not null)
        {
            fused = Quantized(name, parts, inDim, Int4);
        }
        else
        {
            long totalOut = parts.Sum(part => part.OutDim);
            float[] t = new float[checked(totalOut * inDim)];
            long column = 0;
            foreach ((string source, long outDim) in parts)
            {
                float[] w = Read(source, outDim, inDim);
                Transpose(w, t, (int)outDim, (int)inDim, (int)totalOut, (int)column);
                column += outDim;
            }

            fused = new LinearWeight(Written(_builder.Weight(name, t, [inDim, totalOut], Half)), inDim, totalOut, null);
        }

        // Run-time LoRA stays per part (adapters name q/k/v, gate/up separately): each split output gets its own branch.
        RuntimeLoraInputs?[] partLora = [.. parts.Select(part => RuntimeLora(part.Source, part.OutDim, inDim))];
        return partLora.Any(l => l is not null) ? fused with { PartLora = partLora } : fused;
    }

    /// <summary>A 4-bit MatMulNBits copy of an [out, in] tensor (the tied language-model head reads the embedding table).</summary>
    public LinearWeight QuantizedCopy(string name, long outDim, long inDim, Int4QuantizationOptions options)
    {
        Check(name, outDim, inDim);
        return Quantized(name + ".int4_head", [(name, outDim)], inDim, options);
    }

    /// <summary>The token embedding table, float16 when <see cref="EmbeddingHalf"/>, streamed a slice of rows at a time.</summary>
    public string Embedding(string name, long vocab, long hidden)
    {
        Check(name, vocab, hidden);
        int elementSize = EmbeddingHalf ? 2 : 4;
        long offset = _builder.ReserveData(vocab * hidden * elementSize);
        int sliceRows = SliceRows(hidden);
        float[] buffer = new float[sliceRows * hidden];
        Half[]? half = EmbeddingHalf ? new Half[buffer.Length] : null;
        for (long row = 0; row < vocab; row += sliceRows)
        {
            int count = (int)(Math.Min(sliceRows, vocab - row) * hidden);
            _reader.ReadFloat32(name, row * hidden, buffer.AsSpan(0, count));
            if (half is not null)
            {
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(buffer.AsSpan(0, count), half.AsSpan(0, count));
                _builder.WriteData(offset + (row * hidden * elementSize), MemoryMarshal.AsBytes(half.AsSpan(0, count)));
            }
            else
            {
                _builder.WriteData(offset + (row * hidden * elementSize), MemoryMarshal.AsBytes(buffer.AsSpan(0, count)));
            }
        }

        return Written(_builder.ReservedWeight(name, EmbeddingHalf ? ElementType.Float16 : ElementType.Float, [vocab, hidden], offset, vocab * hidden * elementSize));
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
        long count = Check(name, expected);
        if (count > Array.MaxLength)
        {
            throw new CheckpointException($"Tensor '{name}' has {count} elements, more than one array can hold.");
        }

        float[] data = new float[count];
        _reader.ReadFloat32(name, data);
        return data;
    }

    /// <summary>Checks that tensor <paramref name="name"/> exists with shape <paramref name="expected"/>; returns its element count.</summary>
    private long Check(string name, params long[] expected)
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

        return info.ElementCount;
    }

    /// <summary>Rows of <paramref name="columns"/> elements per slice: <see cref="_sliceElements"/> worth, at least one.</summary>
    private int SliceRows(long columns) => (int)Math.Clamp(_sliceElements / columns, 1, int.MaxValue / columns);

    private static string Format(IEnumerable<long> shape) => string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Writes <paramref name="source"/> ([<paramref name="rows"/>, <paramref name="cols"/>]) transposed into columns
    /// <paramref name="column"/> … <paramref name="column"/> + <paramref name="rows"/> − 1 of <paramref name="destination"/>
    /// ([<paramref name="cols"/>, <paramref name="destinationCols"/>]).
    /// </summary>
    private static void Transpose(float[] source, float[] destination, int rows, int cols, int destinationCols, int column)
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
                        destination[((long)c * destinationCols) + column + r] = source[rowBase + c];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Quantises checkpoint tensors <paramref name="parts"/> (each [out_i, <paramref name="inDim"/>], stacked along the output
    /// axis) a slice of rows at a time into three reserved regions (packed codes, scales, zero points: the layout and bytes of
    /// <see cref="Int4BlockQuantizer.Quantize"/> over the stacked matrix) and registers them as <paramref name="name"/>'s initializers.
    /// </summary>
    private LinearWeight Quantized(string name, IReadOnlyList<(string Source, long OutDim)> parts, long inDim, Int4QuantizationOptions options)
    {
        int columns = checked((int)inDim), blockSize = options.BlockSize;
        int blocks = Int4BlockQuantizer.BlocksPerRow(columns, blockSize), blob = blockSize / 2;
        int zpPerRow = options.Symmetric ? 0 : Int4BlockQuantizer.ZeroPointBytesPerRow(columns, blockSize);
        long outDim = parts.Sum(part => part.OutDim);
        long packedBytes = outDim * blocks * blob, scaleCount = outDim * blocks, zeroBytes = outDim * zpPerRow;
        long packedAt = _builder.ReserveData(packedBytes);
        long scalesAt = _builder.ReserveData(scaleCount * sizeof(float));
        long zerosAt = _builder.ReserveData(zeroBytes);

        int sliceRows = SliceRows(inDim);
        float[] buffer = new float[(long)sliceRows * columns];
        byte[] packed = new byte[(long)sliceRows * blocks * blob];
        float[] scales = new float[(long)sliceRows * blocks];
        byte[] zeros = new byte[(long)sliceRows * zpPerRow];
        long first = 0; // the part's first row in the stacked matrix
        foreach ((string source, long partRows) in parts)
        {
            for (long row = 0; row < partRows; row += sliceRows)
            {
                int rows = (int)Math.Min(sliceRows, partRows - row);
                long at = first + row;
                _reader.ReadFloat32(source, row * columns, buffer.AsSpan(0, rows * columns));
                Span<byte> p = packed.AsSpan(0, rows * blocks * blob);
                Span<float> sc = scales.AsSpan(0, rows * blocks);
                Span<byte> z = zeros.AsSpan(0, rows * zpPerRow);
                Int4BlockQuantizer.QuantizeRows(buffer.AsSpan(0, rows * columns), rows, columns, blockSize, options.Symmetric, p, sc, z);
                _builder.WriteData(packedAt + (at * blocks * blob), p);
                _builder.WriteData(scalesAt + (at * blocks * sizeof(float)), MemoryMarshal.AsBytes(sc));
                _builder.WriteData(zerosAt + (at * zpPerRow), z);
            }

            first += partRows;
        }

        string packedName = _builder.ReservedWeight(name + ".q4", ElementType.UInt8, [outDim, blocks, blob], packedAt, packedBytes);
        string scalesName = _builder.ReservedWeight(name + ".q4_scales", ElementType.Float, [scaleCount], scalesAt, scaleCount * sizeof(float));
        string? zerosName = options.Symmetric ? null : _builder.ReservedWeight(name + ".q4_zero_points", ElementType.UInt8, [zeroBytes], zerosAt, zeroBytes);
        return new LinearWeight(Written(packedName), inDim, outDim, new Int4Weight(scalesName, zerosName, blockSize, options.AccuracyLevel));
    }

    private string Written(string name)
    {
        Advance();
        return name;
    }

    private void Advance()
    {
        _done++;
        _progress?.Report(new ExportProgress(_stage, _done, _total));
    }
}
