using Microsoft.Extensions.AI;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// Reads <c>data:image/…;base64,…</c> URIs. The length of the text is checked against the cap before anything is
/// decoded or allocated, so a huge URI costs only the length comparison.
/// </summary>
internal static class DataUriImageReader
{
    /// <summary>The longest media type accepted in the header.</summary>
    private const int MaxHeaderLength = 256;

    /// <summary>The most characters a data URI may have for <paramref name="maxBytes"/> decoded bytes.</summary>
    public static long MaxUriLength(long maxBytes) => MaxHeaderLength + (((maxBytes + 2) / 3) * 4);

    public static DataContent Read(string uri, long maxBytes)
    {
        if (uri.Length > MaxUriLength(maxBytes))
        {
            throw new ImageReferenceException(
                PaliGemmaToolErrorCodes.ImageTooLarge,
                $"The data: URI is {uri.Length} characters; at most {MaxUriLength(maxBytes)} are accepted (images up to {maxBytes} bytes). Register the image with the host and pass its id instead.");
        }

        int comma = uri.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || comma > MaxHeaderLength)
        {
            throw Invalid("The data: URI has no ',' after its header (expected data:image/png;base64,...).");
        }

        ReadOnlySpan<char> header = uri.AsSpan(5, comma - 5);
        const string Base64Marker = ";base64";
        if (!header.EndsWith(Base64Marker, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("The data: URI is not base64 (expected data:image/png;base64,...).");
        }

        string mediaType = header[..^Base64Marker.Length].ToString();
        if (!mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"The data: URI has media type '{mediaType}'; only image/* is accepted.");
        }

        ReadOnlySpan<char> payload = uri.AsSpan(comma + 1);
        int maxDecoded = (int)(((payload.Length + 3L) / 4) * 3);
        if (maxDecoded > maxBytes + 2)
        {
            throw new ImageReferenceException(
                PaliGemmaToolErrorCodes.ImageTooLarge,
                $"The data: URI holds more than {maxBytes} bytes. Register the image with the host and pass its id instead.");
        }

        byte[] buffer = new byte[maxDecoded];
        if (!Convert.TryFromBase64Chars(payload, buffer, out int written))
        {
            throw Invalid("The data: URI payload is not valid base64.");
        }

        if (written == 0)
        {
            throw Invalid("The data: URI is empty.");
        }

        if (written > maxBytes)
        {
            throw new ImageReferenceException(PaliGemmaToolErrorCodes.ImageTooLarge, $"The data: URI holds {written} bytes; at most {maxBytes} are accepted.");
        }

        return new DataContent(buffer.AsMemory(0, written), mediaType);
    }

    private static ImageReferenceException Invalid(string message) => new(PaliGemmaToolErrorCodes.InvalidReference, message);
}
