using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PaliGemma.Onnx.Masks;

/// <summary>
/// The parsed header of one NumPy <c>.npy</c> array: magic <c>\x93NUMPY</c>, a version byte pair, a
/// little-endian header length (2 bytes in version 1, 4 bytes in versions 2 and 3) and a Python dict
/// literal with <c>descr</c>, <c>fortran_order</c> and <c>shape</c>.
/// </summary>
/// <param name="Descr">The dtype string, e.g. <c>&lt;f4</c>.</param>
/// <param name="FortranOrder">Whether the data is stored column-major.</param>
/// <param name="Shape">The array dimensions.</param>
/// <param name="DataOffset">The byte offset of the first data byte from the start of the .npy stream.</param>
public sealed record NpyHeader(string Descr, bool FortranOrder, IReadOnlyList<long> Shape, int DataOffset)
{
    /// <summary>The largest header dict accepted, in bytes.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>The most dimensions accepted.</summary>
    public const int MaxRank = 8;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Gets the number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape)
            {
                n = checked(n * d);
            }

            return n;
        }
    }

    /// <summary>Reads and validates a header from the start of <paramref name="stream"/>.</summary>
    /// <param name="stream">The .npy stream, positioned at its first byte.</param>
    /// <param name="source">A name for error messages (file and entry).</param>
    /// <exception cref="InvalidDataException">The header is malformed or exceeds the caps.</exception>
    public static NpyHeader Read(Stream stream, string source)
    {
        Span<byte> prefix = stackalloc byte[12];
        ReadExactly(stream, prefix[..8], source);
        if (!prefix[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{source}: not a .npy array (bad magic).");
        }

        byte major = prefix[6];
        int headerLength;
        int lengthBytes;
        if (major == 1)
        {
            ReadExactly(stream, prefix.Slice(8, 2), source);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.Slice(8, 2));
            lengthBytes = 2;
        }
        else if (major is 2 or 3)
        {
            ReadExactly(stream, prefix.Slice(8, 4), source);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(prefix.Slice(8, 4));
            headerLength = length > MaxHeaderBytes ? int.MaxValue : (int)length;
            lengthBytes = 4;
        }
        else
        {
            throw new InvalidDataException($"{source}: unsupported .npy format version {major}.{prefix[7]}.");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException($"{source}: .npy header is larger than {MaxHeaderBytes} bytes.");
        }

        byte[] header = new byte[headerLength];
        ReadExactly(stream, header, source);
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        var dict = NpyDictParser.Parse(text, source);
        if (!dict.TryGetValue("descr", out object? descr) || descr is not string descrText)
        {
            throw new InvalidDataException($"{source}: .npy header has no string 'descr'.");
        }

        if (!dict.TryGetValue("fortran_order", out object? fortran) || fortran is not bool fortranOrder)
        {
            throw new InvalidDataException($"{source}: .npy header has no boolean 'fortran_order'.");
        }

        if (!dict.TryGetValue("shape", out object? shape) || shape is not List<long> dims)
        {
            throw new InvalidDataException($"{source}: .npy header has no 'shape' tuple.");
        }

        if (dims.Count > MaxRank)
        {
            throw new InvalidDataException($"{source}: .npy array has {dims.Count} dimensions (at most {MaxRank} supported).");
        }

        var result = new NpyHeader(descrText, fortranOrder, dims.ToArray(), 6 + 2 + lengthBytes + headerLength);
        try
        {
            _ = result.ElementCount;
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{source}: .npy shape ({string.Join(", ", dims)}) overflows.");
        }

        return result;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string source)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{source}: .npy data ends inside the header.");
        }
    }

    /// <summary>Formats the shape as NumPy prints it, e.g. <c>(128, 512)</c>.</summary>
    public string ShapeText => "(" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
}
