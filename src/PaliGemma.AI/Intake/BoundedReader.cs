using System.Globalization;

namespace PaliGemma.AI;

/// <summary>
/// The one place that enforces <see cref="ImageLoadOptions.MaxEncodedBytes"/>: a declared length (file size,
/// <c>Content-Length</c>, array length) is checked with <see cref="CheckLength"/>, and streams are read with a cap.
/// </summary>
internal static class BoundedReader
{
    private const int ChunkSize = 81_920;

    /// <summary>
    /// Reads <paramref name="stream"/> from its current position to its end, never buffering more than
    /// <paramref name="maxBytes"/> + 1 bytes.
    /// </summary>
    /// <exception cref="PaliGemmaImageException">The stream holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static byte[] ReadAll(Stream stream, long maxBytes, string subject)
    {
        var buffer = new Buffer(CheckStream(stream, maxBytes, subject), maxBytes);
        while (buffer.HasRoom(out Memory<byte> free))
        {
            int read = stream.Read(free.Span);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
        }

        return buffer.Finish(subject);
    }

    /// <summary>Asynchronously reads like <see cref="ReadAll"/>.</summary>
    /// <exception cref="PaliGemmaImageException">The stream holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static async Task<byte[]> ReadAllAsync(Stream stream, long maxBytes, string subject, CancellationToken cancellationToken)
    {
        var buffer = new Buffer(CheckStream(stream, maxBytes, subject), maxBytes);
        while (buffer.HasRoom(out Memory<byte> free))
        {
            int read = await stream.ReadAsync(free, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
        }

        return buffer.Finish(subject);
    }

    /// <summary>Refuses a declared length over the encoded byte limit.</summary>
    /// <exception cref="PaliGemmaImageException"><paramref name="length"/> is larger than <paramref name="maxBytes"/>.</exception>
    public static void CheckLength(long length, long maxBytes, string subject)
    {
        if (length > maxBytes)
        {
            throw TooLarge(subject, length.ToString("N0", CultureInfo.InvariantCulture), maxBytes);
        }
    }

    /// <summary>Creates the exception for an encoded image over the byte limit.</summary>
    public static PaliGemmaImageException TooLarge(string subject, string actual, long maxBytes) =>
        new(
            ImageErrorReason.EncodedTooLarge,
            string.Create(
                CultureInfo.InvariantCulture,
                $"EncodedTooLarge: {subject} has {actual} bytes, which exceeds the limit of {maxBytes:N0} bytes (ImageLoadOptions.MaxEncodedBytes)."));

    /// <summary>Validates the stream and returns the initial buffer size.</summary>
    private static int CheckStream(Stream stream, long maxBytes, string subject)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException($"The stream for {subject} is not readable.", nameof(stream));
        }

        if (!stream.CanSeek)
        {
            return (int)Math.Min(maxBytes + 1, ChunkSize);
        }

        long remaining = Math.Max(0, stream.Length - stream.Position);
        CheckLength(remaining, maxBytes, subject);

        // The declared length is only a hint: one spare byte detects a stream that grows while it is read.
        return (int)Math.Max(1, remaining + 1);
    }

    /// <summary>A growable buffer that never exceeds the limit plus one byte.</summary>
    private sealed class Buffer(int initialSize, long maxBytes)
    {
        private readonly long _cap = maxBytes + 1;
        private byte[] _data = new byte[initialSize];
        private int _count;

        public bool HasRoom(out Memory<byte> free)
        {
            if (_count == _data.Length)
            {
                if (_data.Length >= _cap)
                {
                    free = Memory<byte>.Empty;
                    return false;
                }

                Array.Resize(ref _data, (int)Math.Min(_cap, Math.Max(ChunkSize, (long)_data.Length * 2)));
            }

            free = _data.AsMemory(_count);
            return true;
        }

        public void Advance(int read) => _count += read;

        public byte[] Finish(string subject)
        {
            if (_count > maxBytes)
            {
                throw TooLarge(subject, "more than " + maxBytes.ToString("N0", CultureInfo.InvariantCulture), maxBytes);
            }

            return _count == _data.Length ? _data : _data.AsSpan(0, _count).ToArray();
        }
    }
}
