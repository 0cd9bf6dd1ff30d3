using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.Cli.Evaluation;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma eval [--model DIR] --scenes DIR [--count N] [--json FILE] [--max-tokens N] [--constrained on|off]</c>: scores a model folder on a
/// held-out synthetic scene set (<c>python3 -m scenes --write DIR</c>) through <see cref="IPaliGemmaVision"/>: detection
/// mAP@0.5, mask mIoU, caption exact match, OCR character accuracy and counting accuracy (see <see cref="SceneEvaluator"/>).
/// A table goes to standard output, one progress line per scene to standard error; Ctrl+C stops with exit code 130.
/// </summary>
internal static class EvalCommand
{
    /// <summary>Builds the <c>eval</c> command.</summary>
    public static Command Create()
    {
        Option<DirectoryInfo?> model = ModelOption.Create("The model folder (with mask_decoder.onnx for mask mIoU).");
        var scenes = new Option<DirectoryInfo>("--scenes") { Description = "The scene set: a folder with scenes.jsonl, the scene PNGs and their label masks.", Required = true };
        var count = new Option<int?>("--count") { Description = "Evaluate only the first N scenes (default: all)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write every figure as JSON to this file." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens generated per request.", DefaultValueFactory = _ => 128 };
        var constrained = new Option<string>("--constrained") { Description = "on (default): detect and segment follow their output grammar (PaliGemmaChatClientOptions.ConstrainTypedTasks); off: free decoding.", DefaultValueFactory = _ => "on" };
        constrained.AcceptOnlyFromAmong("on", "off");

        var command = new Command("eval", "Score a model on held-out synthetic scenes: detection mAP@0.5, mask mIoU, caption exact match, OCR character accuracy, counting accuracy.")
        {
            model, scenes, count, json, maxTokens, constrained,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            new EvalRequest(
                parse.GetValue(model)?.FullName,
                parse.GetRequiredValue(scenes).FullName,
                parse.GetValue(count),
                parse.GetValue(json)?.FullName,
                parse.GetValue(maxTokens),
                parse.GetValue(constrained) != "off"),
            Console.Error,
            cancellationToken));
        return command;
    }

    /// <summary>Runs one evaluation; returns the exit code (0 success, 1 bad input or model, 130 cancelled).</summary>
    internal static async Task<int> ExecuteAsync(EvalRequest request, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            if (request.Count is < 1)
            {
                throw new ArgumentException($"--count must be positive, got {request.Count}.");
            }

            if (request.MaxTokens < 1)
            {
                throw new ArgumentException($"--max-tokens must be positive, got {request.MaxTokens}.");
            }

            IReadOnlyList<SceneRecord> all = SceneSetReader.Read(request.ScenesPath);
            string modelPath = request.ModelPath ?? ModelOption.Resolve(null, error);
            SceneRecord[] selected = [.. all.Take(request.Count ?? all.Count)];
            string sceneSet = Directory.Exists(request.ScenesPath) ? Path.Combine(request.ScenesPath, SceneSetReader.FileName) : request.ScenesPath;
            using PaliGemmaChatClient client = await PaliGemmaChatClient.LoadAsync(
                modelPath, options: new PaliGemmaChatClientOptions { ConstrainTypedTasks = request.Constrained }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (client.Model.MaskDecoder is null)
            {
                error.WriteLine($"note: '{modelPath}' has no mask decoder; segment answers carry no masks, so mask mIoU is 0.");
            }

            if (selected.Count(s => s.MasksPath is null) is int noMasks and > 0)
            {
                error.WriteLine($"note: {noMasks} of {selected.Length} scene(s) name no label masks and are left out of mask mIoU (rewrite the set with `python3 -m scenes --write`).");
            }

            var vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = request.MaxTokens });
            error.WriteLine($"evaluating {client.Model.ModelId} on {selected.Length} of {all.Count} scene(s) from {sceneSet}, constrained decoding {(request.Constrained ? "on" : "off")}");
            EvaluationReport report = await new SceneEvaluator(vision).RunAsync(
                selected, modelPath, sceneSet, request.MaxTokens, line => error.WriteLine(line), cancellationToken).ConfigureAwait(false);

            AnsiConsole.Write(Table(report));
            if (request.JsonPath is { } jsonPath)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, EvaluationJsonContext.Default.EvaluationReport), cancellationToken).ConfigureAwait(false);
                error.WriteLine($"wrote {jsonPath}");
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is SceneSetFormatException or PaliGemmaModelException or PaliGemmaImageException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static Table Table(EvaluationReport r)
    {
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("over");
        void Row(string metric, double value, string over) =>
            table.AddRow(Markup.Escape(metric), value.ToString("F3", CultureInfo.InvariantCulture), Markup.Escape(over));

        DetectionMetrics d = r.Detection;
        Row("detection mAP@0.5", d.MeanAveragePrecision, $"{d.Classes.Count(c => c.GroundTruth > 0)} classes with ground truth; AP = precision × recall (no scores)");
        foreach (ClassDetectionMetrics c in d.Classes)
        {
            Row($"  AP {c.Name}", c.AveragePrecision, $"{c.Matched} matched of {c.Predictions} predicted, {c.GroundTruth} true");
        }

        Row("detection precision", d.Precision, $"{d.Matched} of {d.Predictions} boxes ({d.OtherLabelPredictions} with other labels)");
        Row("detection recall", d.Recall, $"{d.Matched} of {d.GroundTruth} objects");
        Row("mean IoU of matches", d.MeanMatchedIoU, $"{d.Matched} pairs");
        Row("mask mIoU", r.Masks.MeanIoU, $"{r.Masks.Objects} objects in {r.ScenesWithMasks} scenes; {r.Masks.DecodedMasks} of {r.Masks.Predictions} segments had masks");
        foreach (ClassMaskMetrics c in r.Masks.Classes)
        {
            Row($"  mIoU {c.Name}", c.MeanIoU, $"{c.Objects} objects, {c.AtLeastHalf} with IoU ≥ {MaskScorer.HalfIoU:0.0}");
        }

        Row("caption exact match", r.Caption.ExactMatch, $"{r.Caption.Matched} of {r.Caption.Total} scenes");
        Row("OCR character accuracy", r.Ocr.CharacterAccuracy, $"{r.Ocr.Total} scenes with text");
        Row("OCR exact match", r.Ocr.ExactMatch, $"{r.Ocr.Matched} of {r.Ocr.Total}");
        Row("counting accuracy", r.Counting.ExactMatch, $"{r.Counting.Matched} of {r.Counting.Total} questions");
        table.Caption(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{r.Scenes} scenes in {r.Seconds:F1} s, at most {r.MaxTokens} tokens per request")));
        return table;
    }

    /// <summary>The inputs of one <c>eval</c>.</summary>
    internal sealed record EvalRequest(string? ModelPath, string ScenesPath, int? Count, string? JsonPath, int MaxTokens, bool Constrained = true);
}
