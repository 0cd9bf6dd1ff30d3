using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>
/// Runs a held-out scene set through the public <see cref="IPaliGemmaVision"/> API and scores it. Per scene, in this order:
/// one <c>detect</c> for all five shapes (<see cref="DetectionScorer"/>); one <c>segment {shape}</c> per shape present, when the
/// record has a mask file (<see cref="MaskScorer"/>); <c>caption en</c> (exact match); <c>ocr</c> when the scene has text
/// (<see cref="OcrScorer"/>); and <c>answer en how many {shape}s?</c> for each of the five shapes (exact match with the count).
/// Scenes are taken in file order, one request at a time, so the result is deterministic for a greedy model.
/// </summary>
internal sealed class SceneEvaluator
{
    private readonly IPaliGemmaVision _vision;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="vision">The service under test.</param>
    public SceneEvaluator(IPaliGemmaVision vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        _vision = vision;
    }

    /// <summary>Evaluates <paramref name="scenes"/>.</summary>
    /// <param name="scenes">The scenes, in the order to run them.</param>
    /// <param name="model">The model's name or folder, for the report.</param>
    /// <param name="sceneSet">The scene set's file, for the report.</param>
    /// <param name="maxTokens">The token limit the service was given, for the report.</param>
    /// <param name="progress">Receives one line per scene, or null.</param>
    /// <param name="cancellationToken">Cancels between and within requests.</param>
    /// <returns>The report.</returns>
    public async Task<EvaluationReport> RunAsync(
        IReadOnlyList<SceneRecord> scenes, string model, string sceneSet, int maxTokens, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenes);
        var detection = new DetectionScorer(SceneShapes.All);
        var masks = new MaskScorer();
        var caption = new ExactMatchScorer();
        var ocr = new OcrScorer();
        var counting = new ExactMatchScorer();
        var seconds = new double[5];
        int withMasks = 0;
        var total = Stopwatch.StartNew();
        for (int index = 0; index < scenes.Count; index++)
        {
            SceneRecord scene = scenes[index];
            var sceneClock = Stopwatch.StartNew();
            DataContent image = await PaliGemmaImageContent.FromFileAsync(scene.ImagePath, null, cancellationToken).ConfigureAwait(false);

            var clock = Stopwatch.StartNew();
            DetectionResult detected = await _vision.DetectAsync(image, SceneShapes.All, cancellationToken).ConfigureAwait(false);
            detection.Add(scene.Objects, detected.Objects);
            seconds[0] += Lap(clock);

            int segmented = 0;
            if (scene.MasksPath is { } masksPath)
            {
                withMasks++;
                LabelMask truth = LabelMask.Load(masksPath, scene.Size, scene.Objects.Count);
                foreach (string shape in SceneShapes.All.Where(s => scene.Counts[s] > 0))
                {
                    SegmentationResult result = await _vision.SegmentAsync(image, [shape], cancellationToken).ConfigureAwait(false);
                    masks.Add(truth, scene.Objects, shape, result.Objects);
                    segmented += result.Objects.Count(o => o.Mask is not null);
                }

                seconds[1] += Lap(clock);
            }

            TextResult captioned = await _vision.CaptionAsync(image, "en", cancellationToken).ConfigureAwait(false);
            caption.Add(captioned.Text, scene.Caption);
            seconds[2] += Lap(clock);

            if (scene.Text is { } text)
            {
                TextResult read = await _vision.OcrAsync(image, cancellationToken).ConfigureAwait(false);
                ocr.Add(read.Text, text);
                seconds[3] += Lap(clock);
            }

            int countsRight = 0;
            foreach (string shape in SceneShapes.All)
            {
                TextResult answer = await _vision.AnswerAsync(image, $"how many {shape}s?", "en", cancellationToken).ConfigureAwait(false);
                string expected = scene.Counts[shape].ToString(CultureInfo.InvariantCulture);
                counting.Add(answer.Text, expected);
                countsRight += ExactMatchScorer.Matches(answer.Text, expected) ? 1 : 0;
            }

            seconds[4] += Lap(clock);
            progress?.Invoke(string.Create(
                CultureInfo.InvariantCulture,
                $"scene {index + 1}/{scenes.Count} (seed {scene.Seed}): {detected.Objects.Count} box(es) for {scene.Objects.Count} object(s), {segmented} mask(s), caption {(ExactMatchScorer.Matches(captioned.Text, scene.Caption) ? "exact" : "wrong")}, counts {countsRight}/{SceneShapes.All.Count} ({sceneClock.Elapsed.TotalSeconds:F1} s)"));
        }

        return new EvaluationReport(
            model,
            sceneSet,
            scenes.Count,
            withMasks,
            maxTokens,
            detection.Summarize(),
            masks.Summarize(),
            caption.Summarize(),
            ocr.Summarize(),
            counting.Summarize(),
            total.Elapsed.TotalSeconds,
            new TaskSeconds(seconds[0], seconds[1], seconds[2], seconds[3], seconds[4]));
    }

    private static double Lap(Stopwatch clock)
    {
        double elapsed = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return elapsed;
    }
}
