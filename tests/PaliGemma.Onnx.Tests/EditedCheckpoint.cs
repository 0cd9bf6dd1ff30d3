using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests;

/// <summary>A checkpoint decorator that hides some tensors and adds others (for error and untied-head tests).</summary>
internal sealed class EditedCheckpoint(ICheckpointReader inner, IEnumerable<string>? hidden = null, IReadOnlyDictionary<string, (long[] Shape, float[] Data)>? added = null) : ICheckpointReader
{
    private readonly HashSet<string> _hidden = new(hidden ?? [], StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, (long[] Shape, float[] Data)> _added = added ?? new Dictionary<string, (long[] Shape, float[] Data)>();

    public IReadOnlyCollection<string> Names => [.. inner.Names.Where(n => !_hidden.Contains(n)), .. _added.Keys];

    public bool Contains(string name) => _added.ContainsKey(name) || (!_hidden.Contains(name) && inner.Contains(name));

    public TensorInfo GetInfo(string name) =>
        _added.TryGetValue(name, out var t) ? new TensorInfo(name, TensorDataType.Float32, t.Shape)
        : Contains(name) ? inner.GetInfo(name) : throw new CheckpointException($"no tensor '{name}'");

    public void ReadFloat32(string name, Span<float> destination)
    {
        if (_added.TryGetValue(name, out var t))
        {
            t.Data.CopyTo(destination);
        }
        else
        {
            inner.ReadFloat32(name, destination);
        }
    }

    public void Dispose()
    {
    }
}
