using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace PaliGemma.Onnx.GraphBuilding;

/// <summary>
/// Appends initializer bytes to one external data file (<c>&lt;model&gt;.onnx.data</c>) and returns
/// <see cref="TensorProto"/>s that point into it (<c>data_location = EXTERNAL</c>), so a graph may exceed
/// protobuf's 2 GB limit. Tensors are written one at a time; nothing is kept after a write.
/// </summary>
internal sealed class ExternalDataWriter : IDisposable
{
    private const int ChunkElements = 1 << 20;
    private readonly FileStream _stream;

    /// <summary>Creates (or truncates) the data file at <paramref name="path"/>.</summary>
    public ExternalDataWriter(string path)
    {
        Path = path;
        FileName = System.IO.Path.GetFileName(path);
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    /// <summary>Gets the full path of the data file.</summary>
    public string Path { get; }

    /// <summary>Gets the file name recorded in each tensor's <c>location</c> entry.</summary>
    public string FileName { get; }

    /// <summary>Gets the number of bytes written so far.</summary>
    public long Length => _stream.Position;

    /// <summary>Writes float32 values and returns an external tensor of the given shape.</summary>
    public TensorProto WriteFloat32(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        long offset = _stream.Position;
        for (int start = 0; start < values.Length; start += ChunkElements)
        {
            ReadOnlySpan<float> chunk = values.Slice(start, Math.Min(ChunkElements, values.Length - start));
            _stream.Write(MemoryMarshal.AsBytes(chunk));
        }

        return Describe(name, (int)TensorProto.Types.DataType.Float, dims, offset, _stream.Position - offset);
    }

    /// <summary>Converts values to float16, writes them and returns an external float16 tensor.</summary>
    public TensorProto WriteFloat16(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        long offset = _stream.Position;
        Half[] buffer = new Half[Math.Min(ChunkElements, Math.Max(values.Length, 1))];
        for (int start = 0; start < values.Length; start += ChunkElements)
        {
            int count = Math.Min(ChunkElements, values.Length - start);
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values.Slice(start, count), buffer.AsSpan(0, count));
            _stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, count)));
        }

        return Describe(name, (int)TensorProto.Types.DataType.Float16, dims, offset, _stream.Position - offset);
    }

    /// <summary>Writes raw bytes and returns an external tensor of the given element type and shape.</summary>
    public TensorProto WriteBytes(string name, ReadOnlySpan<byte> bytes, int dataType, IReadOnlyList<long> dims)
    {
        long offset = _stream.Position;
        _stream.Write(bytes);
        return Describe(name, dataType, dims, offset, bytes.Length);
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/> at the end of the file for a tensor written later in slices with
    /// <see cref="WriteAt"/> and described with <see cref="DescribeReserved"/>; returns the region's offset.
    /// </summary>
    public long Reserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long offset = _stream.Length;
        _stream.SetLength(offset + bytes);
        _stream.Position = offset + bytes;
        return offset;
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/> inside a region returned by <see cref="Reserve"/>.</summary>
    public void WriteAt(long offset, ReadOnlySpan<byte> bytes)
    {
        if (offset < 0 || offset + bytes.Length > _stream.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes [{offset}, {offset + bytes.Length}) lie outside the reserved data ({_stream.Length} bytes).");
        }

        long end = _stream.Length;
        _stream.Position = offset;
        _stream.Write(bytes);
        _stream.Position = end;
    }

    /// <summary>Returns an external tensor over a region returned by <see cref="Reserve"/>.</summary>
    public TensorProto DescribeReserved(string name, int dataType, IReadOnlyList<long> dims, long offset, long length) =>
        Describe(name, dataType, dims, offset, length);

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private TensorProto Describe(string name, int dataType, IReadOnlyList<long> dims, long offset, long length)
    {
        var tensor = new TensorProto
        {
            Name = name,
            DataType = dataType,
            DataLocation = TensorProto.Types.DataLocation.External,
        };
        tensor.Dims.AddRange(dims);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = FileName });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return tensor;
    }
}
