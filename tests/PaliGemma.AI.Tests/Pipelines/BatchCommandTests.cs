using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.AI.Tests.TestSupport;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Pipelines;

/// <summary>
/// Issue 26's acceptance check of <c>paligemma batch</c>: 200 generated scenes (the 50 held-out scenes, four copies each)
/// with 5 corrupt files mixed in give 200 result lines and 5 error lines, a COCO file whose RLE masks decode (here,
/// independently) to masks overlapping the scene's truth with IoU ≥ 0.5, a run killed mid-way then resumed ends with the
/// same file as an uninterrupted run, and Ctrl+C (SIGINT) leaves valid files that <c>--resume</c> completes.
/// </summary>
public sealed class BatchCommandTests : IClassFixture<BatchRunFixture>
{
    /// <summary>
    /// The lowest mask IoU a matched object may have when it is the model's own mistake. Measured: the objects below 0.5 are
    /// stars matched by their box whose 16 mask codes decode to a star turned by about a tenth of a turn (mask IoU
    /// 0.45–0.50; which stars depends on the conversion's precision mix). Their true codes decode and place to IoU ≥ 0.82
    /// (<see cref="OracleMaskTests"/>), and the single-image Segment API gives them the same masks as the batch (checked
    /// below), so the loss is the model's, not the batch's, the placement's or the RLE's. A mask placed or encoded wrongly
    /// lands far below this.
    /// </summary>
    private const double ModelMistakeFloor = 0.4;

    /// <summary>
    /// The largest share of matched objects allowed below IoU 0.5. Measured with the CPU default mix: 36 of 476 (7.6 %, nine
    /// stars in four copies); with the head in blocks of 16 it was 24 (six stars).
    /// </summary>
    private const double ModelMistakeShare = 0.10;

    // Measured: 472 to 476 of the 476 true objects matched one-to-one, depending on the precision mix (the model's answer
    // to "segment square" on scene 7046 missed the orange square with the head in blocks of 16).
    private const double MinimumMatchedShare = 0.95;

    private readonly BatchRunFixture _run;
    private readonly ITestOutputHelper _output;

    public BatchCommandTests(BatchRunFixture run, ITestOutputHelper output) => (_run, _output) = (run, output);

    [Fact]
    public void Two_hundred_scenes_with_five_corrupt_files_give_200_result_lines_and_5_error_lines()
    {
        Assert.Equal(205, _run.FullLines.Length);
        JsonNode[] records = [.. _run.FullLines.Select(l => JsonNode.Parse(l)!)];
        Assert.Equal(200, records.Count(r => r["results"] is not null));
        Assert.Equal(BatchRunFixture.CorruptNames.Order(StringComparer.Ordinal), records.Where(r => r["error"] is not null).Select(r => Path.GetFileName((string)r["source"]!)).Order(StringComparer.Ordinal));
        Assert.All(records.Where(r => r["error"] is not null), r => Assert.False(string.IsNullOrEmpty((string?)r["error"]!["code"])));
    }

    [Fact]
    public async Task The_COCO_masks_decode_to_the_truth_with_IoU_at_least_one_half_for_every_matched_object_the_model_segments_right()
    {
        using JsonDocument coco = JsonDocument.Parse(File.ReadAllText(_run.FullCoco));
        JsonElement root = coco.RootElement;
        Assert.Equal(200, root.GetProperty("images").GetArrayLength());
        Assert.Equal(["circle", "square", "triangle", "star", "hexagon"], root.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var categories = root.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetInt32(), c => c.GetProperty("name").GetString()!);
        var images = root.GetProperty("images").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetInt32(), i => i.GetProperty("file_name").GetString()!);
        var scenes = _run.Scenes.Scenes.ToDictionary(s => s.Image);
        var scoring = new SceneMaskScoring(_run.Scenes);

        int truthObjects = 200 / GeneratedScenes.Count * _run.Scenes.Scenes.Sum(s => s.Objects.Count);
        var ious = new List<double>();
        var wrong = new List<string>();
        var mistakes = new Dictionary<(int Seed, int Index), (string Source, BoundingBox Box, JsonElement Rle, double IoU)>();
        foreach (var image in root.GetProperty("annotations").EnumerateArray().GroupBy(a => a.GetProperty("image_id").GetInt32()))
        {
            string source = images[image.Key];
            Assert.StartsWith(_run.Input, source, StringComparison.Ordinal);
            GeneratedScenes.Scene scene = scenes[Path.GetFileName(source)[3..]];
            JsonElement[] annotations = [.. image];
            var predictions = annotations.Select(a =>
            {
                float[] b = [.. a.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle())];
                return (categories[a.GetProperty("category_id").GetInt32()], new BoundingBox(b[0], b[1], b[0] + b[2], b[1] + b[3]));
            }).ToList();
            int[] match = SceneMaskScoring.Match(scene, predictions);
            for (int k = 0; k < annotations.Length; k++)
            {
                int truthIndex = match[k];
                if (truthIndex < 0)
                {
                    continue;
                }

                Assert.True(annotations[k].TryGetProperty("segmentation", out JsonElement rle), $"{source}: a matched object without a mask");
                var (iou, area) = scoring.Score(scene, truthIndex, rle);
                Assert.Equal(area, annotations[k].GetProperty("area").GetDouble());
                ious.Add(iou);
                if (iou is >= ModelMistakeFloor and < 0.5)
                {
                    mistakes.TryAdd((scene.Seed, truthIndex), (source, predictions[k].Item2, rle.Clone(), iou));
                }
                else if (iou < 0.5)
                {
                    wrong.Add(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(source)} object {truthIndex} ({scene.Objects[truthIndex].Shape}): mask IoU {iou:F3}"));
                }
            }
        }

        string figures = string.Create(CultureInfo.InvariantCulture, $"{ious.Count} of {truthObjects} true objects matched one-to-one; mask IoU >= 0.5 for {ious.Count(v => v >= 0.5)} ({(double)ious.Count(v => v >= 0.5) / Math.Max(1, ious.Count):P1}); min {ious.DefaultIfEmpty(0).Min():F3}, mean {ious.DefaultIfEmpty(0).Average():F3}");
        _output.WriteLine(figures);
        Assert.True(ious.Count >= truthObjects * MinimumMatchedShare, figures);
        Assert.True(wrong.Count == 0, $"{figures}; below {ModelMistakeFloor}: {string.Join("; ", wrong)}");
        int below = ious.Count(v => v < 0.5);
        Assert.True(below <= ious.Count * ModelMistakeShare, $"{figures}; {below} below 0.5");

        // The model's mistakes: the single-image Segment API gives the same mask (so the batch, the pipeline and the COCO
        // export add nothing to the error; see ModelMistakeFloor).
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(_run.Scenes.ModelFolder);
        var vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = 96 });
        foreach (var ((seed, index), (source, box, rle, iou)) in mistakes)
        {
            GeneratedScenes.Scene scene = scenes[Path.GetFileName(source)[3..]];
            Assert.Equal("star", scene.Objects[index].Shape);
            SegmentationResult single = await vision.SegmentAsync(new DataContent(await File.ReadAllBytesAsync(source), "image/png"), [scene.Objects[index].Shape]);
            SegmentedObject same = Assert.Single(single.Objects, o => o.Box.IoU(box) > 0.999);
            CocoRle expected = Assert.IsType<SegmentationMask>(same.Mask).ToCocoRle();
            Assert.Equal(expected.Counts, rle.GetProperty("counts").EnumerateArray().Select(v => v.GetInt32()));
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model mistake: scene {seed} object {index} ({scene.Objects[index].Shape}), mask IoU {iou:F3}, the same mask through SegmentAsync"));
        }
    }

    [Fact]
    public async Task A_run_killed_mid_way_then_resumed_ends_with_the_same_file_as_an_uninterrupted_run()
    {
        string resumed = Path.Combine(_run.Work, "killed.jsonl"), resumedCoco = Path.Combine(_run.Work, "killed-coco.json");
        await StopMidRunAsync([.. _run.Arguments, "--input", _run.Input, "--output", resumed], resumed, 60, (process, _) =>
        {
            process.Kill(entireProcessTree: true);
            return Task.CompletedTask;
        });
        Assert.InRange(CountLines(resumed), 60, 204);

        // Whatever the kill left, also leave a torn last line, as a kill during a write would.
        File.AppendAllText(resumed, "{\"source\":\"" + _run.Input + "/s3-scene-70");
        var (code, _, stderr) = await CliProcess.RunAsync([.. _run.Arguments, "--input", _run.Input, "--output", resumed, "--coco", resumedCoco, "--resume"], BatchRunFixture.Environment);
        Assert.True(code == 0, stderr);
        Assert.Equal(_run.FullLines.Select(BatchRunFixture.WithoutTimings), File.ReadAllLines(resumed).Select(BatchRunFixture.WithoutTimings));
        Assert.Equal(File.ReadAllText(_run.FullCoco), File.ReadAllText(resumedCoco));
    }

    [Fact]
    public async Task Ctrl_C_leaves_a_valid_results_file_and_COCO_file_with_exit_code_130_and_resume_completes_them()
    {
        // A list of 41 inputs: the corrupt files, every fifth scene and, at index 12, a named pipe. Reading the pipe waits
        // for a writer, so a run holds there with exactly 12 lines written (three windows of 4) until the test feeds it a
        // scene's PNG: the interrupted run is stopped at that point however fast or slow the machine is, and the reference
        // and resumed runs are fed the same bytes.
        string[] all = [.. _run.FullLines.Select(l => (string)JsonNode.Parse(l)!["source"]!)];
        List<string> chosen = [.. all.Where((s, i) => Path.GetFileName(s).StartsWith("c-", StringComparison.Ordinal) || i % 5 == 0).Take(40)];
        string gate = Path.Combine(_run.Work, "gate.png");
        Assert.Equal(0, MakeFifo(gate, Convert.ToUInt32("600", 8)));
        chosen.Insert(12, gate);
        string list = Path.Combine(_run.Work, "sigint-list.txt");
        File.WriteAllLines(list, chosen);
        string[] arguments = [.. _run.Arguments, "--input", list];
        byte[] fed = File.ReadAllBytes(Path.Combine(_run.Scenes.Folder, _run.Scenes.Scenes[1].Image));

        string reference = Path.Combine(_run.Work, "sigint-reference.jsonl"), referenceCoco = Path.Combine(_run.Work, "sigint-reference-coco.json");
        Task feeding = FeedAsync(gate, fed);
        var (code, _, stderr) = await CliProcess.RunAsync([.. arguments, "--output", reference, "--coco", referenceCoco], BatchRunFixture.Environment);
        Assert.True(code == 0, stderr);
        await feeding.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(chosen, File.ReadAllLines(reference).Select(l => (string)JsonNode.Parse(l)!["source"]!));
        Assert.NotNull(JsonNode.Parse(File.ReadAllLines(reference)[12])!["results"]);

        string output = Path.Combine(_run.Work, "sigint.jsonl"), coco = Path.Combine(_run.Work, "sigint-coco.json");
        int exit = await StopMidRunAsync([.. arguments, "--output", output, "--coco", coco], output, 12, async (process, stderr) =>
        {
            Assert.Equal(0, SendSignal(process.Id, SigInt));

            // Once the CLI says it is stopping (its token is cancelled by then), release the read held at the pipe.
            await stderr.WaitAsync(TimeSpan.FromMinutes(1));
            await FeedAsync(gate, []).WaitAsync(TimeSpan.FromMinutes(1));
        });
        Assert.Equal(130, exit);

        // Every line is whole and parses; the window held at the pipe was abandoned; the COCO file is complete JSON with
        // exactly the images finished.
        Assert.Equal((byte)'\n', File.ReadAllBytes(output)[^1]);
        JsonNode[] records = [.. File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!)];
        Assert.Equal(chosen.Take(12), records.Select(r => (string)r["source"]!));
        using (JsonDocument partial = JsonDocument.Parse(File.ReadAllText(coco)))
        {
            Assert.Equal(records.Count(r => r["results"] is not null), partial.RootElement.GetProperty("images").GetArrayLength());
            Assert.Equal(5, partial.RootElement.GetProperty("categories").GetArrayLength());
        }

        feeding = FeedAsync(gate, fed);
        (code, _, stderr) = await CliProcess.RunAsync([.. arguments, "--output", output, "--coco", coco, "--resume"], BatchRunFixture.Environment);
        Assert.True(code == 0, stderr);
        await feeding.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(File.ReadAllLines(reference).Select(BatchRunFixture.WithoutTimings), File.ReadAllLines(output).Select(BatchRunFixture.WithoutTimings));
        Assert.Equal(File.ReadAllText(referenceCoco), File.ReadAllText(coco));
    }

    /// <summary>Writes <paramref name="bytes"/> into the named pipe once a reader opens it (on its own thread: the open blocks until then).</summary>
    private static Task FeedAsync(string fifo, byte[] bytes) => Task.Factory.StartNew(
        () =>
        {
            using var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            pipe.Write(bytes);
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>
    /// Starts the CLI, waits until <paramref name="output"/> has at least <paramref name="lines"/> lines, stops the process
    /// with <paramref name="stop"/> (given the process and a task that completes when the CLI writes its "stopping" line to
    /// stderr) and returns its exit code.
    /// </summary>
    private static async Task<int> StopMidRunAsync(string[] arguments, string output, int lines, Func<Process, Task, Task> stop)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(CliProcess.DllPath);
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach ((string name, string? value) in BatchRunFixture.Environment)
        {
            start.Environment[name] = value;
        }

        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new System.Text.StringBuilder();
        using Process process = new() { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains(": stopping", StringComparison.Ordinal) == true)
            {
                stopping.TrySetResult();
            }
        };
        Assert.True(process.Start());
        process.BeginErrorReadLine();
        _ = process.StandardOutput.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        try
        {
            while (CountLines(output) < lines)
            {
                Assert.False(process.HasExited, $"the batch finished before it could be stopped: {stderr}");
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "the batch wrote too few lines");
                await Task.Delay(50);
            }

            await stop(process, stopping.Task);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            return process.ExitCode;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static int CountLines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        int count = 0, b;
        while ((b = stream.ReadByte()) >= 0)
        {
            count += b == '\n' ? 1 : 0;
        }

        return count;
    }
}
