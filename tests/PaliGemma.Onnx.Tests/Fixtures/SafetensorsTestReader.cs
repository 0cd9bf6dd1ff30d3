using System.Buffers.Binary;
using System.Text.Json;
using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Fixtures;

/// <summary>
/// Minimal single-file safetensors reader (F32 / BF16 / F16) for the committed reference fixtures only: the
/// independent cross-check of the product <see cref="SafetensorsReader"/> (ReferenceFixtureReadingTests). Every
/// other fixture test reads with the product reader. Names are used as stored (the fixtures use the canonical layout).
/// </summary>
internal sealed class SafetensorsTestReader : ICheckpointReader
{
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, (TensorInfo Info, long Begin, long End)> _tensors = new(StringComparer.Ordinal);

    public SafetensorsTestReader(string path)
    {
        _bytes = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(_bytes);
        _dataStart = 8 + headerLength;
        using JsonDocument header = JsonDocument.Parse(_bytes.AsMemory(8, (int)headerLength));
        foreach (JsonProperty p in header.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                continue;
            }

            TensorDataType type = p.Value.GetProperty("dtype").GetString() switch
            {
                "F32" => TensorDataType.Float32,
                "F16" => TensorDataType.Float16,
                "BF16" => TensorDataType.BFloat16,
                string other => throw new NotSupportedException(other),
                null => throw new InvalidDataException(p.Name),
            };
            long[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long[] offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            _tensors[p.Name] = (new TensorInfo(p.Name, type, shape), offsets[0], offsets[1]);
        }
    }

    public IReadOnlyCollection<string> Names => _tensors.Keys;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorInfo GetInfo(string name) => _tensors.TryGetValue(name, out var t) ? t.Info : throw new CheckpointException($"no tensor '{name}'");

    public void ReadFloat32(string name, Span<float> destination)
    {
        (TensorInfo info, long begin, long end) = _tensors[name];
        ReadOnlySpan<byte> raw = _bytes.AsSpan((int)(_dataStart + begin), (int)(end - begin));
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = info.DataType switch
            {
                TensorDataType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]),
                TensorDataType.Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]) << 16),
            };
        }
    }

    public void Dispose()
    {
    }
}
