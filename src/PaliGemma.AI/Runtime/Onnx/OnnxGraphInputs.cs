namespace PaliGemma.AI.Runtime.Onnx;

/// <summary>
/// Reads the declared graph inputs (name and element type) of an ONNX model file without loading its weights:
/// it walks the protobuf wire format of <c>ModelProto.graph.input</c> and seeks over everything else, so a
/// multi-gigabyte decoder costs a few reads. A file that ends inside a field is reported as truncated.
/// </summary>
internal static class OnnxGraphInputs
{
    // Field numbers from onnx.proto3.
    private const int ModelGraphField = 7;
    private const int GraphInputField = 11;
    private const int ValueInfoNameField = 1;
    private const int ValueInfoTypeField = 2;
    private const int TypeTensorField = 1;
    private const int TensorElemTypeField = 1;

    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    /// <summary>ONNX <c>TensorProto.DataType</c> of float32.</summary>
    public const int ElementTypeFloat = 1;

    /// <summary>ONNX <c>TensorProto.DataType</c> of float16.</summary>
    public const int ElementTypeFloat16 = 10;

    /// <summary>Reads the graph inputs of <paramref name="path"/>.</summary>
    /// <returns>Input name → ONNX element type (0 when the input is not a tensor).</returns>
    /// <exception cref="InvalidDataException">The file is not a readable ONNX model or is truncated.</exception>
    public static IReadOnlyDictionary<string, int> Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
        var reader = new WireReader(file);
        var inputs = new Dictionary<string, int>(StringComparer.Ordinal);
        bool sawGraph = false;
        long end = file.Length;
        while (reader.Position < end)
        {
            var (field, wire) = reader.ReadTag(end);
            if (field == ModelGraphField && wire == WireLengthDelimited)
            {
                long graphEnd = reader.ReadLengthEnd(end);
                ReadGraph(reader, graphEnd, inputs);
                sawGraph = true;
            }
            else
            {
                reader.Skip(wire, end);
            }
        }

        if (!sawGraph)
        {
            throw new InvalidDataException("the file holds no ONNX graph (is it an ONNX model?)");
        }

        return inputs;
    }

    private static void ReadGraph(WireReader reader, long graphEnd, Dictionary<string, int> inputs)
    {
        while (reader.Position < graphEnd)
        {
            var (field, wire) = reader.ReadTag(graphEnd);
            if (field == GraphInputField && wire == WireLengthDelimited)
            {
                long inputEnd = reader.ReadLengthEnd(graphEnd);
                var (name, elementType) = ReadValueInfo(reader, inputEnd);
                if (name.Length > 0)
                {
                    inputs[name] = elementType;
                }
            }
            else
            {
                reader.Skip(wire, graphEnd);
            }
        }
    }

    private static (string Name, int ElementType) ReadValueInfo(WireReader reader, long end)
    {
        string name = string.Empty;
        int elementType = 0;
        while (reader.Position < end)
        {
            var (field, wire) = reader.ReadTag(end);
            if (field == ValueInfoNameField && wire == WireLengthDelimited)
            {
                name = reader.ReadString(end);
            }
            else if (field == ValueInfoTypeField && wire == WireLengthDelimited)
            {
                long typeEnd = reader.ReadLengthEnd(end);
                elementType = ReadTensorElementType(reader, typeEnd);
            }
            else
            {
                reader.Skip(wire, end);
            }
        }

        return (name, elementType);
    }

    private static int ReadTensorElementType(WireReader reader, long end)
    {
        int elementType = 0;
        while (reader.Position < end)
        {
            var (field, wire) = reader.ReadTag(end);
            if (field == TypeTensorField && wire == WireLengthDelimited)
            {
                long tensorEnd = reader.ReadLengthEnd(end);
                while (reader.Position < tensorEnd)
                {
                    var (tensorField, tensorWire) = reader.ReadTag(tensorEnd);
                    if (tensorField == TensorElemTypeField && tensorWire == WireVarint)
                    {
                        elementType = (int)reader.ReadVarint(tensorEnd);
                    }
                    else
                    {
                        reader.Skip(tensorWire, tensorEnd);
                    }
                }
            }
            else
            {
                reader.Skip(wire, end);
            }
        }

        return elementType;
    }

    /// <summary>Minimal protobuf wire reader over a seekable stream, bounded by the enclosing message end.</summary>
    private sealed class WireReader(Stream stream)
    {
        private const int MaxStringBytes = 1 << 20;

        public long Position => stream.Position;

        public (int Field, int Wire) ReadTag(long end)
        {
            ulong tag = ReadVarint(end);
            int field = (int)(tag >> 3);
            if (field <= 0)
            {
                throw new InvalidDataException($"invalid protobuf field number at byte {stream.Position}");
            }

            return (field, (int)(tag & 7));
        }

        public ulong ReadVarint(long end)
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (stream.Position >= end)
                {
                    throw Truncated();
                }

                int b = stream.ReadByte();
                if (b < 0)
                {
                    throw Truncated();
                }

                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new InvalidDataException($"malformed protobuf varint at byte {stream.Position}");
        }

        public long ReadLengthEnd(long end)
        {
            ulong length = ReadVarint(end);
            if (length > (ulong)(end - stream.Position))
            {
                throw Truncated();
            }

            return stream.Position + (long)length;
        }

        public string ReadString(long end)
        {
            long stringEnd = ReadLengthEnd(end);
            long length = stringEnd - stream.Position;
            if (length > MaxStringBytes)
            {
                throw new InvalidDataException($"an input name of {length} bytes is not plausible");
            }

            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }

        public void Skip(int wire, long end)
        {
            long count = wire switch
            {
                WireVarint => -1,
                WireFixed64 => 8,
                WireLengthDelimited => ReadLengthEnd(end) - stream.Position,
                WireFixed32 => 4,
                _ => throw new InvalidDataException($"unsupported protobuf wire type {wire} at byte {stream.Position}"),
            };
            if (count < 0)
            {
                ReadVarint(end);
                return;
            }

            if (count > end - stream.Position)
            {
                throw Truncated();
            }

            stream.Seek(count, SeekOrigin.Current);
        }

        private InvalidDataException Truncated()
            => new($"the file is truncated or corrupt (a protobuf field runs past the end at byte {stream.Position} of {stream.Length})");
    }
}
