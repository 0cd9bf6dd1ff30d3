using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Parsing;

/// <summary>Random model output for the parser: a text and the size of the image it describes.</summary>
/// <param name="Text">The generated text.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
public sealed record ModelOutput(string Text, int Width, int Height)
{
    /// <inheritdoc />
    public override string ToString() => $"({Width}x{Height}) \"{Text.Replace("\n", "\\n", StringComparison.Ordinal)}\"";
}

/// <summary>FsCheck generators of plausible and hostile PaliGemma output.</summary>
public static class ModelOutputArbitraries
{
    private static readonly string[] Labels = ["cat", "traffic light", "狗", "chat noir 🐈", "", " ", "a-b", "x\ty"];

    private static readonly string[] Junk =
    [
        "<loc1024>", "<loc12>", "<loc00001>", "<seg128>", "<seg12>", "<seg0001>", "<loc", "<seg", "loc0001>", "<",
        ">", "<eos>", "<image>", "\n", "\r\n", " ", ";", " ; ", "<loc-001>", "<loc９９９>", "\0", "\ud800", "<<loc0001>",
    ];

    /// <summary>Strings built from well-formed objects, loose location/segmentation tokens, separators, labels, junk and
    /// random text.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<ModelOutput> ModelOutput()
    {
        var loc = Gen.Frequency(
            (8, Gen.Choose(0, 1023)),
            (1, Gen.Elements(0, 1, 511, 512, 1022, 1023))).Select(v => $"<loc{v:0000}>");
        var seg = Gen.Choose(0, 127).Select(v => $"<seg{v:000}>");
        var box = loc.ListOf(4).Select(parts => string.Concat(parts));
        var mask = seg.ListOf(16).Select(parts => string.Concat(parts));
        var ordered =
            from a in Gen.Choose(0, 1023)
            from b in Gen.Choose(0, 1023)
            select (Math.Min(a, b), Math.Max(a, b));
        var wellFormed =
            from y in ordered
            from x in ordered
            from withMask in Gen.Elements(false, true)
            from codes in mask
            from label in Gen.Elements(Labels)
            select $"<loc{y.Item1:0000}><loc{x.Item1:0000}><loc{y.Item2:0000}><loc{x.Item2:0000}>" +
                   (withMask ? codes : string.Empty) + " " + label + " ; ";
        var anyString = ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty);
        var fragment = Gen.Frequency(
            (8, wellFormed),
            (4, box),
            (3, mask),
            (4, loc),
            (3, seg),
            (4, Gen.Elements(Labels)),
            (4, Gen.Elements(" ; ", ";", " ")),
            (3, Gen.Elements(Junk)),
            (2, anyString));
        var text = fragment.ListOf().Select(parts => string.Concat(parts));
        var size = Gen.Frequency((4, Gen.Choose(1, 4096)), (1, Gen.Elements(1, 2, 3, int.MaxValue)));
        var output =
            from t in text
            from width in size
            from height in size
            select new ModelOutput(t, width, height);
        return output.ToArbitrary();
    }
}

public sealed class ParserPropertyTests
{
    [Property(MaxTest = 10_000, Arbitrary = [typeof(ModelOutputArbitraries)], Replay = "(14627589402716533541,9327113871452817937)")]
    public bool Detections_never_throw_and_boxes_lie_inside_the_image(ModelOutput output)
    {
        var results = PaliGemmaOutputParser.ParseDetections(output.Text, output.Width, output.Height);
        return results.All(r => BoxIsInside(r.Box, output) && LabelIsClean(r.Label));
    }

    [Property(MaxTest = 10_000, Arbitrary = [typeof(ModelOutputArbitraries)], Replay = "(2216004815394563471,6193735720145307279)")]
    public bool Segments_never_throw_and_carry_sixteen_valid_codes(ModelOutput output)
    {
        var results = PaliGemmaOutputParser.ParseSegments(output.Text, output.Width, output.Height);
        return results.All(r =>
            BoxIsInside(r.Box, output) &&
            LabelIsClean(r.Label) &&
            r.MaskTokens.Count == 16 &&
            r.MaskTokens.All(c => c is >= 0 and < 128));
    }

    [Property(MaxTest = 10_000, Replay = "(10455135713823463717,15264926453112302113)")]
    public bool Arbitrary_strings_never_throw(string? text, PositiveInt width, PositiveInt height)
    {
        var input = text ?? string.Empty;
        var detections = PaliGemmaOutputParser.ParseDetections(input, width.Get, height.Get);
        var segments = PaliGemmaOutputParser.ParseSegments(input, width.Get, height.Get);
        _ = PaliGemmaOutputParser.ParseText(input);
        var output = new ModelOutput(input, width.Get, height.Get);
        return detections.All(d => BoxIsInside(d.Box, output)) && segments.All(s => BoxIsInside(s.Box, output));
    }

    [Property(MaxTest = 2_000, Replay = "(5125713520011870125,7713210355018364019)")]
    public bool Well_formed_detection_round_trips(PositiveInt seed)
    {
        // Builds a valid box from the seed and checks the parser returns exactly it.
        var y1 = seed.Get % 1000;
        var x1 = (seed.Get / 1000) % 1000;
        var y2 = y1 + 1 + (seed.Get % 23);
        var x2 = x1 + 1 + (seed.Get % 17);
        var text = $"\n<loc{y1:0000}><loc{x1:0000}><loc{y2:0000}><loc{x2:0000}> thing ; junk";
        var result = PaliGemmaOutputParser.ParseDetections(text, 1024, 512);
        return result.Count == 1 &&
               result[0].Label == "thing" &&
               result[0].Box == new BoundingBox(x1, y1 / 2f, x2, y2 / 2f);
    }

    [Fact]
    public void Generator_produces_parsable_objects_often_enough_to_make_the_properties_meaningful()
    {
        // 1000 samples of size 30 (up to 30 fragments each).
        var samples = ModelOutputArbitraries.ModelOutput().Generator.Sample(1000, new Rnd(12345UL, 67891UL), 30);
        Assert.Equal(1000, samples.Length);
        var withDetections = samples.Count(s => PaliGemmaOutputParser.ParseDetections(s.Text, s.Width, s.Height).Count > 0);
        var withSegments = samples.Count(s => PaliGemmaOutputParser.ParseSegments(s.Text, s.Width, s.Height).Count > 0);
        Assert.True(withDetections >= 500, $"{withDetections} of 1000 samples contain detections.");
        Assert.True(withSegments >= 200, $"{withSegments} of 1000 samples contain segments.");
    }

    private static bool BoxIsInside(BoundingBox box, ModelOutput output) =>
        box.Left >= 0 && box.Left < box.Right && box.Right <= output.Width &&
        box.Top >= 0 && box.Top < box.Bottom && box.Bottom <= output.Height &&
        float.IsFinite(box.Right) && float.IsFinite(box.Bottom);

    private static bool LabelIsClean(string label) =>
        label == label.Trim() && label.IndexOfAny([';', '<', '\r', '\n']) < 0;
}
