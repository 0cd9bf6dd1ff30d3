using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.Rendering;
using Spectre.Console;

namespace AgentDemo;

/// <summary>
/// The offline mode, on <see cref="VisionPipeline"/>: caption the image, detect the labels and caption each object's
/// crop, then segment each class found (PaliGemma was trained to segment one class per prompt).
/// </summary>
internal static class PipelineDemo
{
    public static async Task<int> RunAsync(DemoSession session, DemoArguments args, CancellationToken cancellationToken)
    {
        byte[] bytes = await File.ReadAllBytesAsync(args.ImagePath, cancellationToken);
        AnsiConsole.MarkupLine($"Image [green]{Markup.Escape(args.ImagePath)}[/].");
        string[] labels = PaliGemmaVisionTools.SplitLabels(args.Labels);

        var timer = Stopwatch.StartNew();
        VisionPipeline describe = VisionPipeline.Caption("en")
            .Then(VisionStep.Detect(labels))
            .ForEachObject(o => o.Caption("en"))
            .WithCropPadding(0.1f);
        VisionPipelineResult described = await describe.RunAsync(session.Vision, bytes, cancellationToken);
        string describeTime = Ms(timer);

        timer.Restart();
        string[] found = [.. described.Objects.Select(o => o.Label).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal)];
        VisionPipelineResult? segmented = found.Length == 0
            ? null
            : await VisionPipeline.FromSteps(found.Select(l => VisionStep.Segment([l]))).RunAsync(session.Vision, bytes, cancellationToken);

        var steps = new Table().Title("Pipeline").AddColumns("Step", "Result", "Time");
        steps.AddRow("Caption", Markup.Escape(Shorten(described.Answers.FirstOrDefault()?.Text ?? string.Empty)), describeTime);
        steps.AddRow(Markup.Escape($"Detect({string.Join(", ", labels)}) + Caption each crop"), $"{described.Objects.Count} object(s)", "");
        steps.AddRow(Markup.Escape($"Segment each class ({found.Length})"), $"{segmented?.Objects.Count ?? 0} object(s), {segmented?.Objects.Count(o => o.Mask is not null) ?? 0} mask(s)", Ms(timer));
        AnsiConsole.Write(steps);

        var objects = new Table().Title("Objects").AddColumns("Step", "Label", "Box (px)", "Crop caption", "Mask area (px)");
        foreach (VisionObject o in described.Objects.Concat(segmented?.Objects ?? []))
        {
            objects.AddRow(Markup.Escape(o.Step), Markup.Escape(o.Label), Box(o.Box), Markup.Escape(Shorten(o.FollowUps.FirstOrDefault()?.Text ?? "")), o.Mask?.Area.ToString(CultureInfo.InvariantCulture) ?? "-");
        }

        if (objects.Rows.Count > 0)
        {
            AnsiConsole.Write(objects);
        }

        Directory.CreateDirectory(args.OutputPath);
        await WriteJsonAsync(Path.Combine(args.OutputPath, "pipeline.json"), described, cancellationToken);
        if (segmented is not null)
        {
            await WriteJsonAsync(Path.Combine(args.OutputPath, "segments.json"), segmented, cancellationToken);
        }

        // Every detected box, and the masks (with their own boxes) of the segment steps.
        IEnumerable<SegmentedObject> drawn = (segmented?.Objects ?? []).Concat(described.Objects)
            .Select(o => new SegmentedObject(o.Label, o.Box, []) { Mask = o.Mask });
        string annotated = Path.Combine(args.OutputPath, "annotated.png");
        await File.WriteAllBytesAsync(annotated, AnnotatedImageRenderer.Render(bytes, drawn), cancellationToken);
        AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(Path.GetFullPath(args.OutputPath))}[/]: pipeline.json, {(segmented is null ? "" : "segments.json, ")}annotated.png");
        return 0;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    private static string Ms(Stopwatch timer) => $"{timer.ElapsedMilliseconds} ms";

    private static string Box(BoundingBox b) =>
        string.Create(CultureInfo.InvariantCulture, $"{b.Left:0.#}, {b.Top:0.#}, {b.Right:0.#}, {b.Bottom:0.#}");

    private static async Task WriteJsonAsync(string path, VisionPipelineResult value, CancellationToken cancellationToken)
    {
        await using FileStream stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, value, VisionPipelineJsonContext.Default.VisionPipelineResult, cancellationToken);
    }
}
