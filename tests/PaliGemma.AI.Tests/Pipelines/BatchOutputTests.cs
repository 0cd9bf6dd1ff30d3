using System.Text.Json;
using PaliGemma.Cli.Batch;

namespace PaliGemma.AI.Tests.Pipelines;

/// <summary>The COCO export of <c>paligemma batch</c>, made from a results file.</summary>
public sealed class BatchOutputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pg-batch-output-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Only_objects_whose_label_their_own_step_asked_for_are_exported()
    {
        // As the scene model answered "segment star" on scene 7017: a box on the circle labelled "circle", with a star mask.
        // "circle" is a category (another step asked for it), but not an answer to the step that produced this object.
        string results = Path.Combine(_folder, "results.jsonl");
        File.WriteAllLines(results,
        [
            Line("a.png", Object("circle", "segment circle"), Object("circle", "segment star"), Object("star", "segment star"), Object("star", "segment  star")),
            Line("b.png", Object("circle", "detect circle ; star"), Object("star", "detect circle ; star"), Object("square", "detect circle ; star"), Object("circle", "caption en"), Object("circle", "not a step")),
            """{"source":"c.png","error":{"code":"Decode","message":"bad"}}""",
        ]);
        string coco = Path.Combine(_folder, "coco.json");

        var (images, annotations, skipped) = BatchOutput.WriteCoco(results, coco, ["circle", "star", "square"]);

        Assert.Equal((2, 5, 4), (images, annotations, skipped));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(coco));
        Assert.Equal([1, 2, 2, 1, 2], doc.RootElement.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("category_id").GetInt32()));
        Assert.Equal([1, 1, 1, 2, 2], doc.RootElement.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("image_id").GetInt32()));
    }

    [Fact]
    public void The_COCO_file_replaces_an_older_one_only_when_complete()
    {
        string results = Path.Combine(_folder, "results.jsonl"), coco = Path.Combine(_folder, "coco.json");
        File.WriteAllText(coco, "old");
        File.WriteAllLines(results, [Line("a.png", Object("cat", "detect cat")), "{\"source\":\"b.png\",\"results\":"]);

        // A results line that does not parse fails the export; the older file stays as it was and nothing is left beside it.
        Assert.ThrowsAny<JsonException>(() => BatchOutput.WriteCoco(results, coco, ["cat"]));
        Assert.Equal("old", File.ReadAllText(coco));
        Assert.Equal(["coco.json", "results.jsonl"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        File.WriteAllLines(results, [Line("a.png", Object("cat", "detect cat"))]);
        Assert.Equal((1, 1, 0), BatchOutput.WriteCoco(results, coco, ["cat"]));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(coco));
        Assert.Equal(1, doc.RootElement.GetProperty("annotations").GetArrayLength());
    }

    private static string Line(string source, params string[] objects) =>
        $$$"""{"source":"{{{source}}}","width":20,"height":10,"results":{"image_width":20,"image_height":10,"answers":[],"objects":[{{{string.Join(',', objects)}}}]}}""";

    private static string Object(string label, string step) =>
        $$"""{"label":"{{label}}","box":{"left":1,"top":2,"right":5,"bottom":6},"step":"{{step}}","follow_ups":[]}""";
}
