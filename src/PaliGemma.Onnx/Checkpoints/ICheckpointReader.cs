namespace PaliGemma.Onnx.Checkpoints;

/// <summary>The element types a checkpoint tensor may be stored in.</summary>
public enum TensorDataType
{
    /// <summary>IEEE 754 single precision.</summary>
    Float32,

    /// <summary>IEEE 754 half precision.</summary>
    Float16,

    /// <summary>bfloat16 (the upper 16 bits of a float32).</summary>
    BFloat16,
}

/// <summary>Name, element type and shape of one tensor in a checkpoint.</summary>
/// <param name="Name">The tensor name as stored (after key-layout normalisation, see <see cref="ICheckpointReader"/>).</param>
/// <param name="DataType">The stored element type.</param>
/// <param name="Shape">The shape, outermost dimension first.</param>
public sealed record TensorInfo(string Name, TensorDataType DataType, IReadOnlyList<long> Shape)
{
    /// <summary>Gets the number of elements (product of <see cref="Shape"/>).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Streams named tensors out of a checkpoint without holding the whole checkpoint in memory.
/// Names are exposed in the canonical PaliGemma layout
/// (<c>vision_tower.vision_model.…</c>, <c>multi_modal_projector.linear.…</c>,
/// <c>language_model.model.…</c>); readers map the newer
/// <c>model.vision_tower…</c> / <c>model.multi_modal_projector…</c> / <c>model.language_model…</c> layout onto it.
/// </summary>
public interface ICheckpointReader : IDisposable
{
    /// <summary>Gets the canonical names of every tensor in the checkpoint.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Returns whether a tensor with the canonical <paramref name="name"/> exists.</summary>
    bool Contains(string name);

    /// <summary>Gets the element type and shape of a tensor; throws <see cref="CheckpointException"/> naming it when missing.</summary>
    TensorInfo GetInfo(string name);

    /// <summary>Copies a tensor, converted to float32, into <paramref name="destination"/> (length must equal the element count).</summary>
    void ReadFloat32(string name, Span<float> destination);

    /// <summary>
    /// Copies the elements <c>[elementOffset, elementOffset + destination.Length)</c> of a tensor (flattened, row-major),
    /// converted to float32, so large tensors can be streamed in slices. The default implementation reads the whole tensor.
    /// </summary>
    void ReadFloat32(string name, long elementOffset, Span<float> destination)
    {
        TensorInfo info = GetInfo(name);
        if (elementOffset < 0 || elementOffset + destination.Length > info.ElementCount)
        {
            throw new ArgumentOutOfRangeException(nameof(elementOffset), $"Slice [{elementOffset}, {elementOffset + destination.Length}) is outside tensor '{name}' of {info.ElementCount} elements.");
        }

        float[] all = new float[info.ElementCount];
        ReadFloat32(name, all);
        all.AsSpan((int)elementOffset, destination.Length).CopyTo(destination);
    }
}

/// <summary>A checkpoint or its configuration is missing, malformed or inconsistent.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CheckpointException()
    {
    }
}
