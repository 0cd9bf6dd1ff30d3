using System.Text.Json;
using PaliGemma.AI.Tests.Segmentation;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>
/// <c>paligemma eval</c> end to end on the random-weight tiny PaliGemma 2 (224 px) with a mask decoder, over the three committed
/// scenes: every metric in [0, 1] and the right number of items behind each. A random model scores about 0; quality is not asserted.
/// </summary>
public sealed class EvalCommandTests(MaskedModelFolder model) : IClassFixture<MaskedModelFolder>
{
    private static readonly string[] Rates =
    [
        "detection.meanAveragePrecision", "detection.precision", "detection.recall", "detection.meanMatchedIoU",
        "masks.meanIoU", "caption.exactMatch", "ocr.characterAccuracy", "ocr.exactMatch", "counting.exactMatch",
    ];

    [Fact]
    public async Task Eval_writes_every_metric_in_range_with_the_item_counts_of_the_fixture_scenes()
    {
        JsonElement r = await RunAsync([]);
        Assert.Equal((3, 3, 8), (r.GetProperty("scenes").GetInt32(), r.GetProperty("scenesWithMasks").GetInt32(), r.GetProperty("maxTokens").GetInt32()));
        foreach (string rate in Rates)
        {
            Assert.InRange(Get(r, rate).GetDouble(), 0.0, 1.0);
        }

        Assert.Equal(10, Get(r, "detection.groundTruth").GetInt32());
        Assert.Equal(
            [("circle", 4), ("square", 3), ("triangle", 2), ("star", 0), ("hexagon", 1)],
            r.GetProperty("detection").GetProperty("classes").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("groundTruth").GetInt32())));
        Assert.Equal((10, 9), (Get(r, "masks.objects").GetInt32(), Get(r, "masks.requests").GetInt32()));
        Assert.Equal(3, Get(r, "caption.total").GetInt32());
        Assert.Equal(1, Get(r, "ocr.total").GetInt32());
        Assert.Equal(15, Get(r, "counting.total").GetInt32());
        Assert.True(r.GetProperty("seconds").GetDouble() > 0);
        foreach (string task in new[] { "detection", "segmentation", "caption", "ocr", "counting" })
        {
            Assert.True(r.GetProperty("taskSeconds").GetProperty(task).GetDouble() > 0, task);
        }
    }

    [Fact]
    public async Task Eval_count_takes_the_first_scenes_only()
    {
        JsonElement r = await RunAsync(["--count", "2"]);
        Assert.Equal(2, r.GetProperty("scenes").GetInt32());
        Assert.Equal(6, Get(r, "detection.groundTruth").GetInt32());
        Assert.Equal(6, Get(r, "masks.requests").GetInt32());
        Assert.Equal(0, Get(r, "ocr.total").GetInt32()); // the only scene with text is the third
        Assert.Equal(10, Get(r, "counting.total").GetInt32());
    }

    [Fact]
    public async Task Eval_reports_a_bad_scene_set_in_one_line_with_exit_code_1()
    {
        string folder = Directory.CreateTempSubdirectory("paligemma-eval-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "scenes.jsonl"), "{\"seed\": 1, \"size\": 224}\n");
            var (exitCode, _, stderr) = await CliProcess.RunAsync(["eval", "--model", model.Folder, "--scenes", folder]);
            Assert.Equal(1, exitCode);
            Assert.Contains("scenes.jsonl:1: the required property 'image' is missing", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<JsonElement> RunAsync(string[] extra)
    {
        string json = Path.Combine(Path.GetTempPath(), $"eval-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, stdout, stderr) = await CliProcess.RunAsync(["eval", "--model", model.Folder, "--scenes", CliProcess.FixtureFolder("scenes"), "--max-tokens", "8", "--json", json, .. extra]);
            Assert.True(exitCode == 0, $"paligemma eval exited with {exitCode}: {stderr}");
            Assert.Contains("detection mAP@0.5", stdout, StringComparison.Ordinal);
            Assert.Contains("scene 1/", stderr, StringComparison.Ordinal);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            return doc.RootElement.Clone();
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static JsonElement Get(JsonElement root, string path)
    {
        foreach (string part in path.Split('.'))
        {
            root = root.GetProperty(part);
        }

        return root;
    }
}
