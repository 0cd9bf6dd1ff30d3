using System.Numerics.Tensors;
using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Adapters;

/// <summary>
/// A checkpoint seen through a LoRA adapter: every targeted linear weight reads as <c>W + scale·B·A</c> (float32), every
/// other tensor as stored. Because the merge happens where tensors are read, every exporter and precision sees merged
/// weights before any conversion or quantisation, including the streaming int4 path, which reads row slices: a slice
/// adds the delta of its own rows only, so memory stays bounded by the slice plus the (small) A and B.
/// </summary>
internal sealed class LoraMergedCheckpoint : ICheckpointReader
{
    private readonly ICheckpointReader _base;
    private readonly LoraAdapter _adapter;
    private readonly Dictionary<string, (float[] A, float[] ScaledB)> _factors = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="baseWeights"/>; neither is disposed by this object.</summary>
    public LoraMergedCheckpoint(ICheckpointReader baseWeights, LoraAdapter adapter)
    {
        _base = baseWeights;
        _adapter = adapter;
        foreach (LoraTarget target in adapter.Targets.Values)
        {
            TensorInfo info = baseWeights.GetInfo(target.Weight);
            if (info.Shape.Count != 2 || info.Shape[0] != target.OutDim || info.Shape[1] != target.InDim)
            {
                throw new LoraAdapterException(target.Weight, "[" + string.Join(", ", info.Shape) + "]", $"LoRA adapter '{adapter.Directory}' targets '{target.Module}' as [{target.OutDim}, {target.InDim}], but the checkpoint's '{target.Weight}' has shape [{string.Join(", ", info.Shape)}].");
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Names => _base.Names;

    /// <inheritdoc/>
    public bool Contains(string name) => _base.Contains(name);

    /// <inheritdoc/>
    public TensorInfo GetInfo(string name) => _base.GetInfo(name);

    /// <inheritdoc/>
    public void ReadFloat32(string name, Span<float> destination)
    {
        _base.ReadFloat32(name, destination);
        AddDelta(name, 0, destination);
    }

    /// <inheritdoc/>
    public void ReadFloat32(string name, long elementOffset, Span<float> destination)
    {
        _base.ReadFloat32(name, elementOffset, destination);
        AddDelta(name, elementOffset, destination);
    }

    /// <summary>The base reader is owned by the caller; nothing to release here.</summary>
    public void Dispose()
    {
    }

    /// <summary>Adds scale·(B·A)[o, i] to every element of the flattened slice starting at <paramref name="offset"/>.</summary>
    private void AddDelta(string name, long offset, Span<float> destination)
    {
        if (!_adapter.Targets.TryGetValue(name, out LoraTarget? target))
        {
            return;
        }

        (float[] a, float[] scaledB) = Factors(target);
        long inDim = target.InDim;
        int rank = target.Rank;
        long end = offset + destination.Length;
        for (long start = offset; start < end;)
        {
            long row = start / inDim, column = start % inDim;
            int count = (int)Math.Min(inDim - column, end - start);
            Span<float> segment = destination.Slice((int)(start - offset), count);
            for (int k = 0; k < rank; k++)
            {
                float coefficient = scaledB[(row * rank) + k];
                if (coefficient != 0)
                {
                    TensorPrimitives.MultiplyAdd(a.AsSpan((int)((k * inDim) + column), count), coefficient, segment, segment);
                }
            }

            start += count;
        }
    }

    private (float[] A, float[] ScaledB) Factors(LoraTarget target)
    {
        lock (_factors)
        {
            if (!_factors.TryGetValue(target.Weight, out var factors))
            {
                float[] b = _adapter.Read(target.B);
                for (int i = 0; i < b.Length; i++)
                {
                    b[i] = (float)(b[i] * target.Scale);
                }

                factors = (_adapter.Read(target.A), b);
                _factors.Add(target.Weight, factors);
            }

            return factors;
        }
    }
}
