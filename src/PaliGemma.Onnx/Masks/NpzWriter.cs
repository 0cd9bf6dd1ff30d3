using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace PaliGemma.Onnx.Masks;

/// <summary>Writes float32 arrays as an uncompressed NumPy <c>.npz</c> (version 1.0 <c>.npy</c> entries, C order).</summary>
public static class NpzWriter
{
    /// <summary>Writes <paramref name="arrays"/> to <paramref name="path"/> (overwriting it).</summary>
    public static void Write(string path, IEnumerable<NpyArray> arrays)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(arrays);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create);
        foreach (NpyArray array in arrays)
        {
            long count = 1;
            foreach (long d in array.Shape)
            {
                count *= d;
            }

            if (count != array.Data.Length)
            {
                throw new ArgumentException($"Array '{array.Name}' has {array.Data.Length} values but shape ({string.Join(", ", array.Shape)}).", nameof(arrays));
            }

            ZipArchiveEntry entry = zip.CreateEntry(array.Name + ".npy", CompressionLevel.NoCompression);
            using Stream output = entry.Open();
            output.Write(Header(array.Shape));
            output.Write(MemoryMarshal.AsBytes(array.Data.AsSpan()));
        }
    }

    private static byte[] Header(IReadOnlyList<long> shape)
    {
        string dims = shape.Count == 1
            ? shape[0].ToString(CultureInfo.InvariantCulture) + ","
            : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";

        // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64 bytes.
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string text = dict + new string(' ', padded - total) + "\n";
        byte[] header = new byte[10 + text.Length];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        header[8] = (byte)(text.Length & 0xFF);
        header[9] = (byte)(text.Length >> 8);
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }
}
