using System.Globalization;

namespace PaliGemma.AI;

/// <summary>Reads encoded image bytes while enforcing <see cref="ImageLoadOptions.MaxEncodedBytes"/>.</summary>
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
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException($"The stream for {subject} is not readable.", nameof(stream));
        }

        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > maxBytes)
            {
                throw TooLarge(subject, remaining.ToString("N0", CultureInfo.InvariantCulture), maxBytes);
            }
        }

        // Grow as data arrives rather than trusting a declared length; read at most one byte past the limit.
        long cap = maxBytes + 1;
        byte[] buffer = new byte[(int)Math.Min(cap, ChunkSize)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length >= cap)
                {
                    break;
                }

                Array.Resize(ref buffer, (int)Math.Min(cap, (long)buffer.Length * 2));
            }

            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        if (total > maxBytes)
        {
            throw TooLarge(subject, "more than " + maxBytes.ToString("N0", CultureInfo.InvariantCulture), maxBytes);
        }

        return total == buffer.Length ? buffer : buffer.AsSpan(0, total).ToArray();
    }

    /// <summary>Creates the exception for an encoded image over the byte limit.</summary>
    public static PaliGemmaImageException TooLarge(string subject, string actual, long maxBytes) =>
        new(
            ImageErrorReason.EncodedTooLarge,
            string.Create(
                CultureInfo.InvariantCulture,
                $"EncodedTooLarge: {subject} has {actual} bytes, which exceeds the limit of {maxBytes:N0} bytes (ImageLoadOptions.MaxEncodedBytes)."));
}
