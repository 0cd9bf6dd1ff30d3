using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace PaliGemma.Onnx.Adapters;

/// <summary>One float32 tensor of an ONNX Runtime LoRA adapter: the graph input it overrides, its shape and values.</summary>
/// <param name="Name">The graph input (an overridable initializer) the value is fed to.</param>
/// <param name="Dims">The shape.</param>
/// <param name="Data">The values, row-major.</param>
internal sealed record OnnxAdapterParameter(string Name, long[] Dims, float[] Data);

/// <summary>
/// Writes ONNX Runtime's LoRA adapter files (<c>.onnx_adapter</c>): a FlatBuffers buffer with file identifier <c>TORT</c> and
/// root table <c>Adapter { format_version:int; adapter_version:int; model_version:int; parameters:[Parameter] }</c>,
/// <c>Parameter { name:string; dims:[int64]; data_type:int32 (1 = float); raw_data:[uint8] (8-byte aligned) }</c>
/// (onnxruntime/lora/adapter_format/adapter_schema.fbs, format version 1). ONNX Runtime validates the buffer with
/// FlatBuffers' verifier and, for every active adapter of a run, feeds each parameter to the graph input of the same
/// name. The buffer is laid out front to back (header, root table, parameter vector, then each parameter's vtable,
/// table, name, dims and data), every offset pointing forward, vtables just before their tables.
/// </summary>
internal static class OnnxAdapterFile
{
    /// <summary>The file extension ONNX Runtime GenAI's examples use.</summary>
    public const string Extension = ".onnx_adapter";

    /// <summary>The adapter format version ONNX Runtime 1.20–1.32 reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The FlatBuffers file identifier of adapter files.</summary>
    public static ReadOnlySpan<byte> Identifier => "TORT"u8;

    private const int FloatDataType = 1;

    /// <summary>Writes an adapter file.</summary>
    public static void Write(string path, IReadOnlyList<OnnxAdapterParameter> parameters, int adapterVersion = 1, int modelVersion = 1) =>
        File.WriteAllBytes(path, Build(parameters, adapterVersion, modelVersion));

    /// <summary>Builds the adapter buffer.</summary>
    public static byte[] Build(IReadOnlyList<OnnxAdapterParameter> parameters, int adapterVersion = 1, int modelVersion = 1)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var w = new Writer();
        int rootSlot = w.ReserveOffset();
        w.Bytes(Identifier);

        // Adapter: vtable (4 fields), then the table.
        int rootVtable = w.VTable(4);
        int root = w.TableStart(rootVtable);
        w.Int32(FormatVersion);
        w.Int32(adapterVersion);
        w.Int32(modelVersion);
        int parametersSlot = w.ReserveOffset();
        w.Patch(rootSlot, root);

        // parameters: a vector of offsets to tables.
        w.Align(4, 0);
        w.Patch(parametersSlot, w.Position);
        w.UInt32((uint)parameters.Count);
        int[] slots = new int[parameters.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = w.ReserveOffset();
        }

        for (int i = 0; i < parameters.Count; i++)
        {
            OnnxAdapterParameter p = parameters[i];
            long count = p.Dims.Aggregate(1L, (a, b) => a * b);
            if (count != p.Data.Length)
            {
                throw new ArgumentException($"Adapter parameter '{p.Name}' has shape [{string.Join(", ", p.Dims)}] but {p.Data.Length} values.", nameof(parameters));
            }

            int vtable = w.VTable(4);
            int table = w.TableStart(vtable);
            w.Patch(slots[i], table);
            int nameSlot = w.ReserveOffset();
            int dimsSlot = w.ReserveOffset();
            w.Int32(FloatDataType);
            int dataSlot = w.ReserveOffset();

            // name: length, UTF-8 bytes, terminating zero.
            byte[] name = Encoding.UTF8.GetBytes(p.Name);
            w.Align(4, 0);
            w.Patch(nameSlot, w.Position);
            w.UInt32((uint)name.Length);
            w.Bytes(name);
            w.Bytes([0]);

            // dims: length, then int64 elements on an 8-byte boundary.
            w.Align(8, 4);
            w.Patch(dimsSlot, w.Position);
            w.UInt32((uint)p.Dims.Length);
            foreach (long d in p.Dims)
            {
                w.Int64(d);
            }

            // raw_data (force_align: 8): length, then the float32 bytes on an 8-byte boundary.
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(p.Data.AsSpan());
            w.Align(8, 4);
            w.Patch(dataSlot, w.Position);
            w.UInt32(checked((uint)bytes.Length));
            w.Bytes(bytes);
        }

        w.Align(8, 0);
        return w.ToArray();
    }

    /// <summary>A little-endian, front-to-back buffer with forward offsets patched in place.</summary>
    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public int Position => checked((int)_stream.Position);

        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void UInt16(ushort value)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, value);
            _stream.Write(b);
        }

        public void UInt32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            _stream.Write(b);
        }

        public void Int32(int value) => UInt32(unchecked((uint)value));

        public void Int64(long value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, value);
            _stream.Write(b);
        }

        /// <summary>Pads with zeros until <c>Position % alignment == remainder</c>.</summary>
        public void Align(int alignment, int remainder)
        {
            while (Position % alignment != remainder)
            {
                _stream.WriteByte(0);
            }
        }

        /// <summary>Writes a vtable for a table of <paramref name="fields"/> 4-byte fields laid out in order after the table's soffset.</summary>
        public int VTable(int fields)
        {
            Align(2, 0);
            int at = Position;
            UInt16((ushort)(4 + (2 * fields)));
            UInt16((ushort)(4 + (4 * fields)));
            for (int i = 0; i < fields; i++)
            {
                UInt16((ushort)(4 + (4 * i)));
            }

            return at;
        }

        /// <summary>Starts a table: its soffset to <paramref name="vtable"/> (table position minus vtable position).</summary>
        public int TableStart(int vtable)
        {
            Align(4, 0);
            int at = Position;
            Int32(at - vtable);
            return at;
        }

        /// <summary>Writes a placeholder uoffset; returns its position for <see cref="Patch"/>.</summary>
        public int ReserveOffset()
        {
            Align(4, 0);
            int at = Position;
            UInt32(0);
            return at;
        }

        /// <summary>Sets the uoffset at <paramref name="slot"/> to point at <paramref name="target"/> (which lies after it).</summary>
        public void Patch(int slot, int target)
        {
            if (target <= slot)
            {
                throw new InvalidOperationException("FlatBuffers offsets must point forward.");
            }

            byte[] buffer = _stream.GetBuffer();
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(slot, 4), (uint)(target - slot));
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
