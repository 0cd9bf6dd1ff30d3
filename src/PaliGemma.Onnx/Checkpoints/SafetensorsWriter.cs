using System.Buffers.Binary;
using System.Text.Json;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>Produces consecutive slices of a tensor's float32 values; called in order, from offset 0 to the end.</summary>
/// <param name="elementOffset">Index (flattened, row-major) of the first element of <paramref name="chunk"/>.</param>
/// <param name="chunk">Receives the values.</param>
public delegate void TensorFiller(long elementOffset, Span<float> chunk);

/// <summary>A tensor to write: name, stored type, shape and a producer of its values.</summary>
/// <param name="Name">The name written to the header.</param>
/// <param name="DataType">The stored element type.</param>
/// <param name="Shape">The shape.</param>
/// <param name="Fill">Produces the values in consecutive slices.</param>
public sealed record SafetensorsTensor(string Name, TensorDataType DataType, IReadOnlyList<long> Shape, TensorFiller Fill)
{
    /// <summary>Gets the number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Gets the stored size in bytes.</summary>
    public long ByteLength => ElementCount * TensorDataTypes.SizeOf(DataType);
}

/// <summary>
/// Writes safetensors files in a stable byte layout: tensors sorted by name (ordinal), compact JSON header with
/// fixed key order, <c>__metadata__</c> first, header padded with spaces to a multiple of 8 bytes. Values are
/// streamed through a fixed-size buffer, so memory does not grow with the tensor size.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkElements = 1 << 20;

    /// <summary>Writes one safetensors file.</summary>
    /// <param name="path">The file to create (overwritten).</param>
    /// <param name="tensors">The tensors; names must be unique.</param>
    /// <param name="metadata">Optional string metadata (defaults to <c>format: pt</c>).</param>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, tensors, metadata);
    }

    /// <summary>Writes one safetensors file to a stream.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="tensors">The tensors; names must be unique.</param>
    /// <param name="metadata">Optional string metadata (defaults to <c>format: pt</c>).</param>
    public static void Write(Stream stream, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        SafetensorsTensor[] sorted = Sort(tensors);
        byte[] header = BuildHeader(sorted, metadata ?? new Dictionary<string, string> { ["format"] = "pt" });
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);

        float[] values = new float[ChunkElements];
        byte[] bytes = new byte[ChunkElements * 4];
        foreach (SafetensorsTensor tensor in sorted)
        {
            int size = TensorDataTypes.SizeOf(tensor.DataType);
            long total = tensor.ElementCount;
            for (long offset = 0; offset < total; offset += ChunkElements)
            {
                int count = (int)Math.Min(ChunkElements, total - offset);
                Span<float> chunk = values.AsSpan(0, count);
                chunk.Clear();
                tensor.Fill(offset, chunk);
                Span<byte> encoded = bytes.AsSpan(0, count * size);
                TensorConversion.FromFloat32(tensor.DataType, chunk, encoded);
                stream.Write(encoded);
            }
        }
    }

    /// <summary>
    /// Writes a sharded checkpoint: <c>model-0000k-of-0000n.safetensors</c> files (tensors in name order, split
    /// into <paramref name="shardCount"/> runs of about equal size) and <c>model.safetensors.index.json</c>.
    /// </summary>
    /// <param name="directory">The folder to write into.</param>
    /// <param name="tensors">The tensors; names must be unique.</param>
    /// <param name="shardCount">Number of shard files (at least 1, at most the number of tensors).</param>
    public static void WriteSharded(string directory, IEnumerable<SafetensorsTensor> tensors, int shardCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        SafetensorsTensor[] sorted = Sort(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shardCount, Math.Max(1, sorted.Length));
        long totalBytes = sorted.Sum(t => t.ByteLength);
        var shards = new List<List<SafetensorsTensor>>();
        long target = (totalBytes + shardCount - 1) / shardCount;
        var current = new List<SafetensorsTensor>();
        long currentBytes = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            current.Add(sorted[i]);
            currentBytes += sorted[i].ByteLength;
            int remainingTensors = sorted.Length - i - 1;
            int remainingShards = shardCount - shards.Count - 1;
            if (remainingShards > 0 && (currentBytes >= target || remainingTensors == remainingShards))
            {
                shards.Add(current);
                current = [];
                currentBytes = 0;
            }
        }

        shards.Add(current);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < shards.Count; s++)
        {
            string file = $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(directory, file), shards[s]);
            foreach (SafetensorsTensor tensor in shards[s])
            {
                weightMap[tensor.Name] = file;
            }
        }

        using var index = new FileStream(Path.Combine(directory, CheckpointFolder.IndexFileName), FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(index, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", totalBytes);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach ((string name, string file) in weightMap)
        {
            json.WriteString(name, file);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static SafetensorsTensor[] Sort(IEnumerable<SafetensorsTensor> tensors)
    {
        SafetensorsTensor[] sorted = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(sorted[i].Name, sorted[i - 1].Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Tensor name '{sorted[i].Name}' appears twice.", nameof(tensors));
            }
        }

        foreach (SafetensorsTensor tensor in sorted)
        {
            if (tensor.Name == "__metadata__" || tensor.Shape.Any(d => d < 0))
            {
                throw new ArgumentException($"Tensor '{tensor.Name}' has a reserved name or a negative dimension.", nameof(tensors));
            }
        }

        return sorted;
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensor> sorted, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensor tensor in sorted)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", TensorDataTypes.ToSafetensorsCode(tensor.DataType));
                json.WriteStartArray("shape");
                foreach (long dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.ByteLength;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        int padded = (int)((buffer.Length + 7) / 8 * 8);
        byte[] header = new byte[padded];
        buffer.ToArray().CopyTo(header, 0);
        header.AsSpan((int)buffer.Length).Fill((byte)' ');
        return header;
    }
}
