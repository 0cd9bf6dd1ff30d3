using System.Globalization;
using Microsoft.Extensions.AI;
using PaliGemma.Cli.Evaluation;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>
/// <see cref="SceneEvaluator"/> over the three committed scenes with a fake <see cref="IPaliGemmaVision"/> that answers from the
/// ground truth: every text metric and mAP are 1, each request kind is sent the expected number of times, and the mask mIoU
/// is what box-filled masks give (object area from numpy / box area from the JSON lines).
/// </summary>
public sealed class SceneEvaluatorTests
{
    [Fact]
    public async Task An_oracle_scores_one_and_box_masks_score_object_area_over_box_area()
    {
        IReadOnlyList<SceneRecord> scenes = SceneSetReader.Read(CliProcess.FixtureFolder("scenes"));
        var oracle = new OracleVision(scenes);
        var lines = new List<string>();
        EvaluationReport report = await new SceneEvaluator(oracle).RunAsync(scenes, "oracle", "fixture", 64, lines.Add, CancellationToken.None);

        Assert.Equal((3, 9, 3, 1, 15), (oracle.Detects, oracle.Segments, oracle.Captions, oracle.Ocrs, oracle.Answers)); // segments: 4 + 2 + 3 shapes present
        Assert.Equal(["circle", "square", "triangle", "star", "hexagon"], oracle.DetectLabels);
        Assert.Equal(3, lines.Count);
        Assert.Equal((3, 3, 64), (report.Scenes, report.ScenesWithMasks, report.MaxTokens));
        Assert.Equal((1.0, 1.0, 1.0, 1.0, 10, 10), (report.Detection.MeanAveragePrecision, report.Detection.Precision, report.Detection.Recall, report.Detection.MeanMatchedIoU, report.Detection.GroundTruth, report.Detection.Matched));
        Assert.Equal([4, 3, 2, 0, 1], report.Detection.Classes.Select(c => c.GroundTruth));
        Assert.Equal(new ExactMatchMetrics(1, 3, 3), report.Caption);
        Assert.Equal(new OcrMetrics(1, 1, 1, 1), report.Ocr);
        Assert.Equal(new ExactMatchMetrics(1, 15, 15), report.Counting);

        // Pixel areas of the objects (numpy over the label PNGs) over the areas of their boxes (scenes.jsonl), in file order.
        double[] ratios =
        [
            1909.0 / (66 * 57), 5401.0 / (83 * 83), 870.0 / (30 * 29), 1536.0 / (48 * 47),
            1764.0 / (42 * 42), 2076.0 / (51 * 52),
            1849.0 / (43 * 43), 1586.0 / (60 * 52), 1248.0 / (40 * 40), 2120.0 / (52 * 52),
        ];
        Assert.Equal(ratios.Average(), report.Masks.MeanIoU, 12);
        Assert.Equal((10, 9, 10, 10), (report.Masks.Objects, report.Masks.Requests, report.Masks.Predictions, report.Masks.DecodedMasks));
        Assert.Equal(10, report.Masks.Classes.Sum(c => c.Objects));
    }

    [Fact]
    public async Task Cancellation_stops_the_run()
    {
        IReadOnlyList<SceneRecord> scenes = SceneSetReader.Read(CliProcess.FixtureFolder("scenes"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SceneEvaluator(new OracleVision(scenes)).RunAsync(scenes, "m", "s", 8, null, cancelled.Token));
    }

    /// <summary>Answers every request from the scene whose image bytes it was given.</summary>
    private sealed class OracleVision(IReadOnlyList<SceneRecord> scenes) : IPaliGemmaVision
    {
        private readonly Dictionary<string, SceneRecord> _byImage = scenes.ToDictionary(s => Convert.ToBase64String(File.ReadAllBytes(s.ImagePath)));

        public int Detects { get; private set; }

        public int Segments { get; private set; }

        public int Captions { get; private set; }

        public int Ocrs { get; private set; }

        public int Answers { get; private set; }

        public IReadOnlyList<string> DetectLabels { get; private set; } = [];

        public Task<DetectionResult> DetectAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Detects++;
            DetectLabels = [.. labels];
            SceneRecord s = Scene(image);
            return Task.FromResult(new DetectionResult([.. s.Objects.Select(o => new DetectedObject(o.Shape, o.Box))], "", s.Size, s.Size));
        }

        public Task<SegmentationResult> SegmentAsync(DataContent image, IEnumerable<string> labels, CancellationToken cancellationToken = default)
        {
            Segments++;
            SceneRecord s = Scene(image);
            string shape = Assert.Single(labels);
            float[] positive = [.. Enumerable.Repeat(1f, 4096)];
            return Task.FromResult(new SegmentationResult(
                [.. s.Objects.Where(o => o.Shape == shape).Select(o => new SegmentedObject(o.Shape, o.Box, new int[16]) { Mask = SegmentationMask.FromLogits(positive, o.Box, s.Size, s.Size) })],
                "",
                s.Size,
                s.Size));
        }

        public Task<TextResult> CaptionAsync(DataContent image, string language = "en", CancellationToken cancellationToken = default)
        {
            Captions++;
            return Task.FromResult(new TextResult(Scene(image).Caption, ""));
        }

        public Task<TextResult> OcrAsync(DataContent image, CancellationToken cancellationToken = default)
        {
            Ocrs++;
            return Task.FromResult(new TextResult(Scene(image).Text!, ""));
        }

        public Task<TextResult> AnswerAsync(DataContent image, string question, string language = "en", CancellationToken cancellationToken = default)
        {
            Answers++;
            Assert.StartsWith("how many ", question, StringComparison.Ordinal);
            string shape = question["how many ".Length..^"s?".Length];
            return Task.FromResult(new TextResult(Scene(image).Counts[shape].ToString(CultureInfo.InvariantCulture), ""));
        }

        private SceneRecord Scene(DataContent image) => _byImage[Convert.ToBase64String(image.Data.ToArray())];
    }
}
