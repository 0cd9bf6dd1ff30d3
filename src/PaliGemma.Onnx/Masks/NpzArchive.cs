using System.IO.Compression;
using System.Runtime.InteropServices;

namespace PaliGemma.Onnx.Masks;

/// <summary>One float32 array read from an .npz archive.</summary>
/// <param name="Name">The array's key (the entry name without <c>.npy</c>).</param>
/// <param name="Shape">The array dimensions.</param>
/// <param name="Data">The values in C (row-major) order.</param>
public sealed record NpyArray(string Name, IReadOnlyList<long> Shape, float[] Data);

/// <summary>
/// Reads float32 arrays from a NumPy <c>.npz</c> archive (a zip of <c>.npy</c> files, stored or deflated,
/// as written by <c>np.savez</c> / <c>np.savez_compressed</c>). Only the arrays asked for are read.
/// Only little-endian float32 (<c>&lt;f4</c>) in C order is accepted; every size is checked against caps
/// before anything is allocated.
/// </summary>
public sealed class NpzArchive : IDisposable
{
    /// <summary>The largest array accepted, in elements (1 GiB of float32).</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>The most entries an archive may have.</summary>
    public const int MaxEntries = 10_000;

    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.Ordinal);

    private NpzArchive(string path, ZipArchive zip)
    {
        Path = path;
        _zip = zip;
        if (zip.Entries.Count > MaxEntries)
        {
            throw new InvalidDataException($"{path}: the archive has {zip.Entries.Count} entries (at most {MaxEntries} accepted).");
        }

        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            if (entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
            {
                _entries[entry.FullName[..^4]] = entry;
            }
        }
    }

    /// <summary>Gets the path of the archive.</summary>
    public string Path { get; }

    /// <summary>Gets the keys of the arrays in the archive.</summary>
    public IReadOnlyCollection<string> Names => _entries.Keys;

    /// <summary>Opens an .npz file.</summary>
    /// <param name="path">The file to open.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a zip archive.</exception>
    public static NpzArchive Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The .npz file '{path}' does not exist.", path);
        }

        FileStream stream = File.OpenRead(path);
        try
        {
            return new NpzArchive(path, new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false));
        }
        catch (InvalidDataException ex)
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: not a valid .npz (zip) archive: {ex.Message}", ex);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Returns whether the archive has an array named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Reads only the header of the array <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such array.</exception>
    /// <exception cref="InvalidDataException">The header is malformed.</exception>
    public NpyHeader ReadHeader(string name)
    {
        ZipArchiveEntry entry = Entry(name);
        using Stream stream = entry.Open();
        return NpyHeader.Read(stream, Source(name));
    }

    /// <summary>Reads the float32 array <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such array.</exception>
    /// <exception cref="InvalidDataException">The array is not little-endian float32 in C order, too large, or truncated.</exception>
    public NpyArray ReadFloat32(string name)
    {
        ZipArchiveEntry entry = Entry(name);
        string source = Source(name);
        using Stream stream = entry.Open();
        NpyHeader header = NpyHeader.Read(stream, source);
        if (header.Descr != "<f4")
        {
            throw new InvalidDataException($"{source}: dtype '{header.Descr}' is not supported (expected little-endian float32 '<f4').");
        }

        if (header.FortranOrder)
        {
            throw new InvalidDataException($"{source}: Fortran-order arrays are not supported.");
        }

        long count = header.ElementCount;
        if (count > MaxElements)
        {
            throw new InvalidDataException($"{source}: shape {header.ShapeText} has {count} elements (at most {MaxElements} accepted).");
        }

        long expectedBytes = header.DataOffset + (count * sizeof(float));
        if (entry.Length != expectedBytes)
        {
            throw new InvalidDataException($"{source}: entry holds {entry.Length} bytes but shape {header.ShapeText} needs {expectedBytes}.");
        }

        float[] data = new float[count];
        try
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{source}: data is truncated (shape {header.ShapeText}).");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Reading .npz files needs a little-endian machine.");
        }

        return new NpyArray(name, header.Shape, data);
    }

    /// <inheritdoc />
    public void Dispose() => _zip.Dispose();

    private ZipArchiveEntry Entry(string name) =>
        _entries.TryGetValue(name, out ZipArchiveEntry? entry)
            ? entry
            : throw new KeyNotFoundException($"{Path}: the archive has no array '{name}'.");

    private string Source(string name) => $"{Path} [{name}]";
}
