using System.Globalization;

namespace PaliGemma.AI;

/// <summary>
/// Reads <c>data:image/…;base64,…</c> URIs. The length of the text is checked against the cap before anything is
/// decoded or allocated, so a huge URI costs only the length comparison.
/// </summary>
internal static class DataUriDecoder
{
    /// <summary>The longest media type accepted in the header.</summary>
    private const int MaxHeaderLength = 256;

    /// <summary>The most characters a data URI may have for <paramref name="maxBytes"/> decoded bytes.</summary>
    public static long MaxUriLength(long maxBytes) => MaxHeaderLength + (((maxBytes + 2) / 3) * 4);

    /// <summary>Decodes a base64 <c>data:image/…</c> URI.</summary>
    /// <exception cref="PaliGemmaImageException">Malformed (<see cref="ImageErrorReason.InvalidSource"/>), empty or too large.</exception>
    public static EncodedImage Decode(string uri, long maxBytes)
    {
        if (uri.Length > MaxUriLength(maxBytes))
        {
            throw BoundedReader.TooLarge(
                string.Create(CultureInfo.InvariantCulture, $"the data: URI of {uri.Length:N0} characters (at most {MaxUriLength(maxBytes):N0} characters for images up to {maxBytes:N0} bytes)"),
                "more than " + maxBytes.ToString("N0", CultureInfo.InvariantCulture),
                maxBytes);
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
            throw BoundedReader.TooLarge("the data: URI", "more than " + maxBytes.ToString("N0", CultureInfo.InvariantCulture), maxBytes);
        }

        byte[] buffer = new byte[maxDecoded];
        if (!Convert.TryFromBase64Chars(payload, buffer, out int written))
        {
            throw Invalid("The data: URI payload is not valid base64.");
        }

        if (written == 0)
        {
            throw new PaliGemmaImageException(ImageErrorReason.Empty, "Empty: the data: URI has no bytes.");
        }

        BoundedReader.CheckLength(written, maxBytes, "the data: URI");
        try
        {
            _ = new Microsoft.Extensions.AI.DataContent(ReadOnlyMemory<byte>.Empty, mediaType);
        }
        catch (ArgumentException ex)
        {
            // "image/" passed, but the rest is not a media type (found by fuzzing: "data:image/b.mdata:p;base64,…").
            throw new PaliGemmaImageException(
                ImageErrorReason.InvalidSource,
                $"InvalidSource: the data: URI has media type '{(mediaType.Length <= 80 ? mediaType : mediaType[..80] + "…")}', which is not a valid media type (expected e.g. image/png).",
                ex);
        }

        return new EncodedImage(buffer.AsMemory(0, written), mediaType);
    }

    private static PaliGemmaImageException Invalid(string message) => new(ImageErrorReason.InvalidSource, "InvalidSource: " + message);
}
