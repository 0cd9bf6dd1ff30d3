using System.Text.Json.Nodes;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Pipelines;

/// <summary>
/// The input of issue 26's batch acceptance check — 200 generated scenes (the 50 held-out scenes, four copies each) and 5
/// corrupt files — and one uninterrupted <c>paligemma batch</c> run over it with a COCO export, shared by the tests of
/// <see cref="BatchCommandTests"/> (the run is the expensive part; the lines, the COCO file and the resume comparisons all
/// read the same one).
/// </summary>
public sealed class BatchRunFixture : IAsyncLifetime
{
    /// <summary>The corrupt files mixed into the input.</summary>
    public static readonly string[] CorruptNames = ["c-truncated.png", "c-text.jpg", "c-empty.png", "c-noise.webp", "c-header-only.png"];

    /// <summary>
    /// The environment of every CLI run: one processor, so ONNX Runtime runs one thread per operator. The tiny model's
    /// operators are too small to gain from a second thread, and on a busy two-core machine the second thread's spinning
    /// took 2.4× the CPU time and 2× the wall time (the results are identical).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?> { ["DOTNET_PROCESSOR_COUNT"] = "1" };

    /// <summary>
    /// The batch arguments every run shares: one <c>segment</c> prompt per class, as the model was trained, and room for four
    /// objects of a class (22 tokens each with the separator; 64 cut the third square of scene 7046 short).
    /// </summary>
    public string[] Arguments => ["batch", "--model", Scenes.ModelFolder, "--task", "segment circle", "--task", "segment square", "--task", "segment triangle", "--task", "segment star", "--task", "segment hexagon", "--concurrency", "4", "--max-tokens", "96"];

    /// <summary>The generated scenes and the converted model.</summary>
    public GeneratedScenes Scenes { get; } = new();

    /// <summary>A folder for the tests' files, deleted at the end.</summary>
    public string Work { get; } = Directory.CreateTempSubdirectory("pg-batch-").FullName;

    /// <summary>The input folder (205 files).</summary>
    public string Input { get; private set; } = "";

    /// <summary>The uninterrupted run's results file.</summary>
    public string FullOutput => Path.Combine(Work, "full.jsonl");

    /// <summary>The uninterrupted run's COCO file.</summary>
    public string FullCoco => Path.Combine(Work, "full-coco.json");

    /// <summary>The uninterrupted run's lines.</summary>
    public string[] FullLines { get; private set; } = [];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Input = MakeInput();
        var (code, _, stderr) = await CliProcess.RunAsync([.. Arguments, "--input", Input, "--output", FullOutput, "--coco", FullCoco], Environment);
        Assert.True(code == 0, stderr);
        FullLines = File.ReadAllLines(FullOutput);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Directory.Delete(Work, recursive: true);
        Scenes.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A line without its <c>timings</c>, the one part that differs between runs.</summary>
    public static string WithoutTimings(string line)
    {
        JsonObject node = JsonNode.Parse(line)!.AsObject();
        node.Remove("timings");
        return node.ToJsonString();
    }

    private string MakeInput()
    {
        string input = Directory.CreateDirectory(Path.Combine(Work, "images")).FullName;
        for (int copy = 0; copy < 4; copy++)
        {
            foreach (GeneratedScenes.Scene scene in Scenes.Scenes)
            {
                File.Copy(Path.Combine(Scenes.Folder, scene.Image), Path.Combine(input, $"s{copy}-{scene.Image}"));
            }
        }

        byte[] png = File.ReadAllBytes(Path.Combine(Scenes.Folder, Scenes.Scenes[0].Image));
        File.WriteAllBytes(Path.Combine(input, CorruptNames[0]), png[..(png.Length / 3)]);
        File.WriteAllText(Path.Combine(input, CorruptNames[1]), "not an image");
        File.WriteAllBytes(Path.Combine(input, CorruptNames[2]), []);
        File.WriteAllBytes(Path.Combine(input, CorruptNames[3]), [.. Enumerable.Range(0, 4096).Select(i => (byte)((i * 7919) % 251))]);
        File.WriteAllBytes(Path.Combine(input, CorruptNames[4]), png[..33]);
        return input;
    }
}
