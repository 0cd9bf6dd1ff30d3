using System.Buffers;

namespace PaliGemma.AI;

/// <summary>
/// Turns PaliGemma's generated text into typed results. Model output is untrusted: the parser never throws on
/// any string (other than null), runs in time linear in the text, and never allocates in proportion to a number
/// written in the text.
/// </summary>
/// <remarks>
/// <para>Grammar of one object: four location tokens <c>&lt;locY1&gt;&lt;locX1&gt;&lt;locY2&gt;&lt;locX2&gt;</c> (exactly four
/// digits each, 0..1023); for segmentation then exactly sixteen <c>&lt;segNNN&gt;</c> tokens (three digits, 0..127);
/// then optional spaces and a label that runs up to <c>;</c>, <c>&lt;</c>, a line break or the end of the text and is
/// trimmed (it may be empty). Objects are normally separated by <c> ; </c>. Text before the first object and
/// between objects is ignored.</para>
/// <para>Coordinates: <c>Left = x1 / 1024 × width</c>, <c>Top = y1 / 1024 × height</c>, <c>Right = x2 / 1024 × width</c>,
/// <c>Bottom = y2 / 1024 × height</c>, without rounding (the convention of Google's demo and of the PaliGemma paper's
/// examples; big_vision's evaluator divides by 1023 instead, a difference below 0.1 %).</para>
/// <para>Dropped: groups with a number of location tokens other than four, boxes with <c>Right ≤ Left</c> or
/// <c>Bottom ≤ Top</c>, and (for segmentation) groups without exactly sixteen segmentation tokens. Malformed tokens such
/// as <c>&lt;loc1024&gt;</c>, <c>&lt;loc12&gt;</c> or <c>&lt;seg128&gt;</c> are not tokens, so they break the group they are in.</para>
/// </remarks>
public static class PaliGemmaOutputParser
{
    /// <summary>The number of segmentation tokens that describe one mask.</summary>
    public const int MaskTokenCount = 16;

    private const int LocationsPerBox = 4;

    private static readonly SearchValues<char> LabelTerminators = SearchValues.Create(";<\r\n");

    private static readonly string[] TrailingStopTokens = ["<eos>", "<end_of_turn>"];

    /// <summary>Parses the output of a <c>detect</c> prompt into objects with boxes in pixel coordinates.</summary>
    /// <param name="text">The generated text, for example <c>&lt;loc0100&gt;&lt;loc0200&gt;&lt;loc0300&gt;&lt;loc0400&gt; cat ; …</c>.</param>
    /// <param name="imageWidth">Width of the original image in pixels.</param>
    /// <param name="imageHeight">Height of the original image in pixels.</param>
    /// <returns>The valid objects in the order they appear. Groups that also carry sixteen segmentation tokens
    /// (the output of a <c>segment</c> prompt) are read as detections too.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    public static IReadOnlyList<DetectedObject> ParseDetections(string text, int imageWidth, int imageHeight)
    {
        ValidateArguments(text, imageWidth, imageHeight);
        var results = new List<DetectedObject>();
        var reader = new ObjectReader(text);
        while (reader.MoveNext())
        {
            if (reader.SegmentationCount is 0 or MaskTokenCount &&
                reader.TryGetBox(imageWidth, imageHeight, out var box))
            {
                results.Add(new DetectedObject(reader.Label.ToString(), box));
            }
        }

        return results;
    }

    /// <summary>Parses the output of a <c>segment</c> prompt into objects with boxes and the 16 mask codes.</summary>
    /// <param name="text">The generated text: four location tokens, sixteen segmentation tokens and a label per object.</param>
    /// <param name="imageWidth">Width of the original image in pixels.</param>
    /// <param name="imageHeight">Height of the original image in pixels.</param>
    /// <returns>The valid objects in the order they appear.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is zero or negative.</exception>
    public static IReadOnlyList<SegmentedObject> ParseSegments(string text, int imageWidth, int imageHeight)
    {
        ValidateArguments(text, imageWidth, imageHeight);
        var results = new List<SegmentedObject>();
        var reader = new ObjectReader(text);
        while (reader.MoveNext())
        {
            if (reader.SegmentationCount == MaskTokenCount &&
                reader.TryGetBox(imageWidth, imageHeight, out var box))
            {
                var codes = reader.MaskCodes.ToArray();
                results.Add(new SegmentedObject(reader.Label.ToString(), box, Array.AsReadOnly(codes)));
            }
        }

        return results;
    }

    /// <summary>
    /// Cleans the output of a text task (caption, describe, OCR, answer, question): removes trailing
    /// <c>&lt;eos&gt;</c> / <c>&lt;end_of_turn&gt;</c> markers and surrounding white space.
    /// </summary>
    /// <param name="text">The generated text.</param>
    /// <returns>The cleaned text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static string ParseText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().Trim();
        var stripped = true;
        while (stripped)
        {
            stripped = false;
            foreach (var stop in TrailingStopTokens)
            {
                if (span.EndsWith(stop, StringComparison.Ordinal))
                {
                    span = span[..^stop.Length].TrimEnd();
                    stripped = true;
                }
            }
        }

        return span.Length == text.Length ? text : span.ToString();
    }

    private static void ValidateArguments(string text, int imageWidth, int imageHeight)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageHeight);
    }

    /// <summary>Converts a location bin to a pixel coordinate (bin / 1024 × size).</summary>
    /// <param name="bin">The bin, 0..1023.</param>
    /// <param name="size">The image size along that axis.</param>
    /// <returns>The coordinate in pixels.</returns>
    internal static float BinToPixel(int bin, int size) =>
        (float)(bin / (double)PaliGemmaSpecialTokens.LocationBins * size);

    /// <summary>Reads one special token's value at the start of a text (<see cref="PaliGemmaSpecialTokens.TryReadLocation"/>, <see cref="PaliGemmaSpecialTokens.TryReadSegmentation"/>).</summary>
    private delegate bool TokenReader(ReadOnlySpan<char> text, out int value);

    /// <summary>Walks the groups (location run, segmentation run, label) of generated text, one per call.</summary>
    private ref struct ObjectReader
    {
        private readonly ReadOnlySpan<char> _text;
        private readonly Span<int> _locations;
        private readonly Span<int> _codes;
        private int _position;

        public ObjectReader(ReadOnlySpan<char> text)
        {
            _text = text;
            _locations = new int[LocationsPerBox];
            _codes = new int[MaskTokenCount];
            _position = 0;
            LocationCount = 0;
            SegmentationCount = 0;
            Label = default;
        }

        /// <summary>Gets how many location tokens the current group has (may exceed four).</summary>
        public int LocationCount { get; private set; }

        /// <summary>Gets how many segmentation tokens the current group has (may exceed sixteen).</summary>
        public int SegmentationCount { get; private set; }

        /// <summary>Gets the trimmed label of the current group.</summary>
        public ReadOnlySpan<char> Label { get; private set; }

        /// <summary>Gets the first sixteen segmentation codes of the current group.</summary>
        public readonly ReadOnlySpan<int> MaskCodes => _codes[..Math.Min(SegmentationCount, MaskTokenCount)];

        public bool MoveNext()
        {
            var start = FindNextLocation(_text, _position);
            if (start < 0)
            {
                _position = _text.Length;
                return false;
            }

            _position = start;
            LocationCount = ReadRun(_text, ref _position, _locations, PaliGemmaSpecialTokens.TryReadLocation, PaliGemmaSpecialTokens.LocationTokenLength);
            SegmentationCount = ReadRun(_text, ref _position, _codes, PaliGemmaSpecialTokens.TryReadSegmentation, PaliGemmaSpecialTokens.SegmentationTokenLength);

            var rest = _text[_position..];
            var labelLength = rest.IndexOfAny(LabelTerminators);
            if (labelLength < 0)
            {
                labelLength = rest.Length;
            }

            Label = rest[..labelLength].Trim();
            _position += labelLength;
            return true;
        }

        /// <summary>
        /// Reads the run of same-kind tokens at <paramref name="position"/> (moving past it), keeping the first
        /// <c>values.Length</c> values; returns the run's length, which may be larger.
        /// </summary>
        private static int ReadRun(ReadOnlySpan<char> text, ref int position, Span<int> values, TokenReader read, int tokenLength)
        {
            int count = 0;
            while (read(text[position..], out int value))
            {
                if (count < values.Length)
                {
                    values[count] = value;
                }

                count++;
                position += tokenLength;
            }

            return count;
        }

        /// <summary>Builds the pixel box of the current group when it has exactly four locations and a positive area.</summary>
        public readonly bool TryGetBox(int width, int height, out BoundingBox box)
        {
            box = default;
            if (LocationCount != LocationsPerBox)
            {
                return false;
            }

            var top = BinToPixel(_locations[0], height);
            var left = BinToPixel(_locations[1], width);
            var bottom = BinToPixel(_locations[2], height);
            var right = BinToPixel(_locations[3], width);
            if (!(right > left) || !(bottom > top))
            {
                return false;
            }

            box = new BoundingBox(left, top, right, bottom);
            return true;
        }

        private static int FindNextLocation(ReadOnlySpan<char> text, int from)
        {
            while (from < text.Length)
            {
                var next = text[from..].IndexOf('<');
                if (next < 0)
                {
                    return -1;
                }

                from += next;
                if (PaliGemmaSpecialTokens.TryReadLocation(text[from..], out _))
                {
                    return from;
                }

                from++;
            }

            return -1;
        }
    }
}
