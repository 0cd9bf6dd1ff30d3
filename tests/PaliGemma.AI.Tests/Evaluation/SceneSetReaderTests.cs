using PaliGemma.Cli.Evaluation;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>Reading <c>scenes.jsonl</c>: the committed fixture set, and one clear error naming the file and line per kind of bad input.</summary>
public sealed class SceneSetReaderTests : IDisposable
{
    private const string Good = """{"seed": 7, "image": "a.png", "size": 224, "caption": "a red circle", "text": null, "counts": {"circle": 1, "square": 0, "triangle": 0, "star": 0, "hexagon": 0}, "objects": [{"shape": "circle", "colour": "red", "box_xyxy": [10, 20, 30, 40]}], "masks": "a-masks.png"}""";

    private readonly string _folder = Directory.CreateTempSubdirectory("paligemma-scenes-").FullName;

    public SceneSetReaderTests()
    {
        File.WriteAllBytes(Path.Combine(_folder, "a.png"), [0]);
        File.WriteAllBytes(Path.Combine(_folder, "a-masks.png"), [0]);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_fixture_set_reads_in_file_order_with_absolute_paths()
    {
        string folder = CliProcess.FixtureFolder("scenes");
        IReadOnlyList<SceneRecord> scenes = SceneSetReader.Read(folder);
        Assert.Equal([0, 1, 2], scenes.Select(s => s.Seed));
        Assert.Equal([4, 2, 4], scenes.Select(s => s.Objects.Count));
        Assert.Equal([null, null, "bus"], scenes.Select(s => s.Text));
        SceneRecord one = scenes[1];
        Assert.Equal("a white circle and a white square", one.Caption);
        Assert.Equal(new SceneObject("square", "white", new BoundingBox(99, 14, 141, 56)), one.Objects[0]);
        Assert.Equal((1, 1, 0), (one.Counts["circle"], one.Counts["square"], one.Counts["star"]));
        Assert.Equal(Path.Combine(folder, "scene-1.png"), one.ImagePath);
        Assert.Equal(Path.Combine(folder, "scene-1-masks.png"), one.MasksPath);
        Assert.Equal(3, SceneSetReader.Read(Path.Combine(folder, "scenes.jsonl")).Count);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_masks_are_optional()
    {
        IReadOnlyList<SceneRecord> scenes = Read(Good, "", Good.Replace(""", "masks": "a-masks.png"}""", "}", StringComparison.Ordinal));
        Assert.Equal(2, scenes.Count);
        Assert.NotNull(scenes[0].MasksPath);
        Assert.Null(scenes[1].MasksPath);
    }

    [Theory]
    [InlineData("{not json", ":1: not a scene record")]
    [InlineData("null", ":1: expected a JSON object")]
    [InlineData("""{"seed": "x"}""", ":1: not a scene record")]
    public void Malformed_json_names_the_line(string line, string expected)
    {
        Assert.Contains(expected, Fail(line), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"caption\": \"a red circle\", ", "", "'caption' is missing")]
    [InlineData("\"seed\": 7, ", "", "'seed' is missing")]
    [InlineData("\"shape\": \"circle\"", "\"shape\": \"oval\"", "'objects[0].shape' is 'oval', expected one of circle, square, triangle, star, hexagon")]
    [InlineData("[10, 20, 30, 40]", "[10, 20, 300, 40]", "'objects[0].box_xyxy' must be [x1, y1, x2, y2] with 0 <= x1 < x2 <= 224")]
    [InlineData("[10, 20, 30, 40]", "[30, 20, 10, 40]", "got [30, 20, 10, 40]")]
    [InlineData("[10, 20, 30, 40]", "[10, 20, 30]", "got [10, 20, 30]")]
    [InlineData("\"circle\": 1,", "\"circle\": 2,", "'counts.circle' is 2, but 'objects' has 1 circle(s)")]
    [InlineData("\"hexagon\": 0}", "\"hexagon\": 0, \"oval\": 1}", "'counts' has the unknown shape 'oval'")]
    [InlineData("\"size\": 224", "\"size\": 0", "'size' must be positive, got 0")]
    [InlineData("\"text\": null", "\"text\": \"\"", "'text' must be null or non-empty")]
    [InlineData("\"image\": \"a.png\"", "\"image\": \"../a.png\"", "'image' must be a file name in the scene folder, got '../a.png'")]
    [InlineData("\"masks\": \"a-masks.png\"", "\"masks\": \"gone.png\"", "gone.png' does not exist")]
    public void Bad_records_name_the_line_and_the_field(string find, string replace, string expected)
    {
        string bad = Good.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Good, bad);
        string message = Fail(Good, "", bad);
        Assert.Contains($"scenes.jsonl:3: ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_and_a_missing_folder_are_reported()
    {
        Assert.Contains("no scenes", Fail(), StringComparison.Ordinal);
        string missing = Path.Combine(_folder, "nowhere");
        var ex = Assert.Throws<FileNotFoundException>(() => SceneSetReader.Read(missing));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    private IReadOnlyList<SceneRecord> Read(params string[] lines)
    {
        File.WriteAllLines(Path.Combine(_folder, "scenes.jsonl"), lines);
        return SceneSetReader.Read(_folder);
    }

    private string Fail(params string[] lines)
    {
        var ex = Assert.Throws<SceneSetFormatException>(() => Read(lines));
        Assert.Contains(Path.Combine(_folder, "scenes.jsonl"), ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }
}
