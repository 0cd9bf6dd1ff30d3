using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>One tensor entry of a safetensors header: stored name, type, shape and byte range in the data section.</summary>
/// <param name="StoredName">The name as written in the file.</param>
/// <param name="DataType">The element type.</param>
/// <param name="Shape">The shape.</param>
/// <param name="Begin">Start offset relative to the data section.</param>
/// <param name="End">End offset (exclusive) relative to the data section.</param>
internal sealed record SafetensorsEntry(string StoredName, TensorDataType DataType, long[] Shape, long Begin, long End);

/// <summary>Reads and validates the header of a safetensors file.</summary>
internal static class SafetensorsHeader
{
    /// <summary>Largest header accepted (the safetensors format caps it at 100 MB).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Parses the header of <paramref name="path"/>; returns the entries and the absolute offset of the data section.</summary>
    public static (IReadOnlyList<SafetensorsEntry> Entries, long DataStart) Read(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new CheckpointException($"Safetensors file '{path}' is {fileLength} bytes long; it is too short to hold the 8-byte header length.");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > (ulong)MaxHeaderBytes)
        {
            throw new CheckpointException($"Safetensors file '{path}' declares a header of {headerLength} bytes; expected 1..{MaxHeaderBytes}. The file is corrupt or not a safetensors file.");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw new CheckpointException($"Safetensors file '{path}' declares a header of {headerLength} bytes but only {fileLength - 8} bytes follow; the file is truncated.");
        }

        byte[] headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        if (!Utf8.IsValid(headerBytes))
        {
            throw new CheckpointException($"Safetensors file '{path}' has a header that is not valid UTF-8; the file is corrupt or not a safetensors file.");
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"Safetensors file '{path}' has a malformed JSON header: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"Safetensors file '{path}' has a header that is not a JSON object.");
            }

            var entries = new List<SafetensorsEntry>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                entries.Add(ParseEntry(path, property, dataLength));
            }

            CheckNoOverlap(path, entries);
            return (entries, dataStart);
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property, long dataLength)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype)
            || !value.TryGetProperty("shape", out JsonElement shapeElement)
            || !value.TryGetProperty("data_offsets", out JsonElement offsets))
        {
            throw Bad(path, name, "the entry must be an object with 'dtype', 'shape' and 'data_offsets'");
        }

        string? code = dtype.ValueKind == JsonValueKind.String ? dtype.GetString() : null;
        if (!TensorDataTypes.TryParseSafetensorsCode(code, out TensorDataType dataType))
        {
            throw Bad(path, name, $"dtype '{code ?? dtype.ToString()}' is not supported (expected F32, F16 or BF16)");
        }

        if (shapeElement.ValueKind != JsonValueKind.Array || shapeElement.GetArrayLength() > 8)
        {
            throw Bad(path, name, "'shape' must be an array of at most 8 non-negative integers");
        }

        long[] shape = new long[shapeElement.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0 || d > int.MaxValue)
            {
                throw Bad(path, name, $"shape dimension {i} ('{dim}') is not a non-negative integer");
            }

            shape[i++] = d;
            elements = d == 0 ? 0 : (elements > long.MaxValue / d ? throw Bad(path, name, "the shape overflows") : elements * d);
        }

        if (offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw Bad(path, name, "'data_offsets' must be an array [begin, end]");
        }

        long begin = ReadOffset(path, name, offsets[0]);
        long end = ReadOffset(path, name, offsets[1]);
        if (begin > end || end > dataLength)
        {
            throw Bad(path, name, $"data_offsets [{begin}, {end}] are outside the data section of {dataLength} bytes");
        }

        int size = TensorDataTypes.SizeOf(dataType);
        if (elements > long.MaxValue / size || end - begin != elements * size)
        {
            throw Bad(path, name, $"byte range of {end - begin} bytes does not match shape [{string.Join(", ", shape)}] of {code} ({elements} elements × {size} bytes)");
        }

        return new SafetensorsEntry(name, dataType, shape, begin, end);
    }

    private static long ReadOffset(string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
        {
            throw Bad(path, name, $"data offset '{element}' is not a non-negative integer");
        }

        return value;
    }

    private static void CheckNoOverlap(string path, List<SafetensorsEntry> entries)
    {
        var sorted = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Begin < sorted[i - 1].End)
            {
                throw Bad(path, sorted[i].StoredName, $"its bytes overlap tensor '{sorted[i - 1].StoredName}'");
            }
        }
    }

    private static CheckpointException Bad(string path, string tensor, string reason)
        => new($"Safetensors file '{path}', tensor '{tensor}': {reason}.");
}
