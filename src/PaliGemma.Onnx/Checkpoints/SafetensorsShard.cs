using System.IO.MemoryMappedFiles;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>
/// One memory-mapped safetensors file. Tensor bytes are read through short-lived views of bounded size,
/// so reading a tensor never keeps more than one window of the file mapped.
/// </summary>
internal sealed class SafetensorsShard : IDisposable
{
    /// <summary>Largest window mapped at once while reading.</summary>
    private const long WindowBytes = 64L * 1024 * 1024;

    private readonly MemoryMappedFile _map;

    private SafetensorsShard(string path, MemoryMappedFile map, IReadOnlyList<SafetensorsEntry> entries, long dataStart, long length)
    {
        Path = path;
        _map = map;
        Entries = entries;
        DataStart = dataStart;
        Length = length;
    }

    /// <summary>Gets the file path.</summary>
    public string Path { get; }

    /// <summary>Gets the validated header entries.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Gets the absolute offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>Gets the file length.</summary>
    public long Length { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    public static SafetensorsShard Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"Safetensors file '{path}' does not exist.");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (IOException ex)
        {
            throw new CheckpointException($"Safetensors file '{path}' cannot be opened: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CheckpointException($"Safetensors file '{path}' cannot be opened: {ex.Message}", ex);
        }

        try
        {
            (IReadOnlyList<SafetensorsEntry> entries, long dataStart) = SafetensorsHeader.Read(path, stream);
            long length = stream.Length;
            MemoryMappedFile map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            return new SafetensorsShard(path, map, entries, dataStart, length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Converts elements <c>[elementOffset, elementOffset + destination.Length)</c> of a tensor to float32.</summary>
    public void ReadFloat32(SafetensorsEntry entry, long elementOffset, Span<float> destination)
    {
        int size = TensorDataTypes.SizeOf(entry.DataType);
        long elementsPerWindow = WindowBytes / size;
        long done = 0;
        while (done < destination.Length)
        {
            int count = (int)Math.Min(elementsPerWindow, destination.Length - done);
            long offset = DataStart + entry.Begin + ((elementOffset + done) * size);
            long bytes = (long)count * size;
            using MemoryMappedViewAccessor view = _map.CreateViewAccessor(offset, bytes, MemoryMappedFileAccess.Read);
            unsafe
            {
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                try
                {
                    var source = new ReadOnlySpan<byte>(pointer + view.PointerOffset, (int)bytes);
                    TensorConversion.ToFloat32(entry.DataType, source, destination.Slice((int)done, count));
                }
                finally
                {
                    view.SafeMemoryMappedViewHandle.ReleasePointer();
                }
            }

            done += count;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _map.Dispose();
}
