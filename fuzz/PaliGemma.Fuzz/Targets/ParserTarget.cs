using System.Buffers.Binary;
using System.Text;
using PaliGemma.AI;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The output parser on arbitrary model output. Bytes 0..3 give the image width and height (1..65536 each); the rest is
/// the text (UTF-8, invalid bytes replaced). Nothing may throw; boxes must lie inside the image; masks carry 16 codes in 0..127.
/// </summary>
internal static class ParserTarget
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return;
        }

        int width = 1 + BinaryPrimitives.ReadUInt16LittleEndian(data);
        int height = 1 + BinaryPrimitives.ReadUInt16LittleEndian(data[2..]);
        string text = Encoding.UTF8.GetString(data[4..]);

        foreach (DetectedObject item in PaliGemmaOutputParser.ParseDetections(text, width, height))
        {
            CheckBox(item.Box, width, height);
            CheckLabel(item.Label);
        }

        foreach (SegmentedObject item in PaliGemmaOutputParser.ParseSegments(text, width, height))
        {
            CheckBox(item.Box, width, height);
            CheckLabel(item.Label);
            if (item.MaskTokens.Count != 16 || item.MaskTokens.Any(code => code is < 0 or > 127))
            {
                throw new InvariantException($"mask codes [{string.Join(",", item.MaskTokens)}]");
            }
        }

        string cleaned = PaliGemmaOutputParser.ParseText(text);
        if (cleaned.Length > text.Length)
        {
            throw new InvariantException("cleaned text is longer than the input");
        }
    }

    private static void CheckBox(BoundingBox box, int width, int height)
    {
        if (!(box.Left >= 0 && box.Top >= 0 && box.Right <= width && box.Bottom <= height && box.Left <= box.Right && box.Top <= box.Bottom))
        {
            throw new InvariantException($"box {box} outside a {width}×{height} image");
        }
    }

    private static void CheckLabel(string label)
    {
        if (label.Contains(';', StringComparison.Ordinal))
        {
            throw new InvariantException($"label '{label}' holds the object separator");
        }
    }
}
