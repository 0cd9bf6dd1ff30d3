using PaliGemma.ModelFormat;

namespace PaliGemma.AI;

/// <summary>
/// Recognises PaliGemma's location tokens (<c>&lt;loc0000&gt;</c> … <c>&lt;loc1023&gt;</c>, exactly four digits) and
/// segmentation tokens (<c>&lt;seg000&gt;</c> … <c>&lt;seg127&gt;</c>, exactly three digits) in generated text.
/// Digits are read with a fixed width, so no number in the text can cause a large value or allocation.
/// </summary>
internal static class PaliGemmaSpecialTokens
{
    /// <summary>Number of location bins; a location value is in 0..1023.</summary>
    public const int LocationBins = PaliGemmaTokenIds.LocationTokenCount;

    /// <summary>Number of VQ-VAE codes; a segmentation value is in 0..127.</summary>
    public const int SegmentationCodes = PaliGemmaTokenIds.SegmentationTokenCount;

    /// <summary>Length of one location token, <c>&lt;loc0000&gt;</c>.</summary>
    public const int LocationTokenLength = 9;

    /// <summary>Length of one segmentation token, <c>&lt;seg000&gt;</c>.</summary>
    public const int SegmentationTokenLength = 8;

    /// <summary>Tries to read a location token at the start of <paramref name="text"/>.</summary>
    /// <param name="text">The text; only its first <see cref="LocationTokenLength"/> characters are examined.</param>
    /// <param name="value">The location bin 0..1023, or -1.</param>
    /// <returns><see langword="true"/> when the text starts with a valid location token.</returns>
    public static bool TryReadLocation(ReadOnlySpan<char> text, out int value) =>
        TryReadFixedWidth(text, "<loc", 4, LocationBins, out value);

    /// <summary>Tries to read a segmentation token at the start of <paramref name="text"/>.</summary>
    /// <param name="text">The text; only its first <see cref="SegmentationTokenLength"/> characters are examined.</param>
    /// <param name="value">The code 0..127, or -1.</param>
    /// <returns><see langword="true"/> when the text starts with a valid segmentation token.</returns>
    public static bool TryReadSegmentation(ReadOnlySpan<char> text, out int value) =>
        TryReadFixedWidth(text, "<seg", 3, SegmentationCodes, out value);

    /// <summary>Tries to read a location or segmentation token at the start of <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="token">The token, with <see cref="PaliGemmaToken.Start"/> 0.</param>
    /// <returns><see langword="true"/> when the text starts with a valid special token.</returns>
    public static bool TryReadSpecial(ReadOnlySpan<char> text, out PaliGemmaToken token)
    {
        if (TryReadLocation(text, out var value))
        {
            token = new PaliGemmaToken(PaliGemmaTokenKind.Location, value, 0, LocationTokenLength);
            return true;
        }

        if (TryReadSegmentation(text, out value))
        {
            token = new PaliGemmaToken(PaliGemmaTokenKind.Segmentation, value, 0, SegmentationTokenLength);
            return true;
        }

        token = default;
        return false;
    }

    private static bool TryReadFixedWidth(ReadOnlySpan<char> text, ReadOnlySpan<char> prefix, int digits, int limit, out int value)
    {
        value = -1;
        var length = prefix.Length + digits + 1;
        if (text.Length < length || !text.StartsWith(prefix, StringComparison.Ordinal) || text[length - 1] != '>')
        {
            return false;
        }

        var result = 0;
        for (var i = prefix.Length; i < prefix.Length + digits; i++)
        {
            var c = text[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            result = (result * 10) + (c - '0');
        }

        if (result >= limit)
        {
            return false;
        }

        value = result;
        return true;
    }
}
