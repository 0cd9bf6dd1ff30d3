using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.Rendering;
using Spectre.Console;

namespace AgentDemo;

/// <summary>The offline mode: caption → detect → segment through the same tools an LLM would call.</summary>
internal static class PipelineDemo
{
    public static async Task<int> RunAsync(DemoSession session, DemoArguments args, CancellationToken cancellationToken)
    {
        byte[] bytes = await File.ReadAllBytesAsync(args.ImagePath, cancellationToken);
        string id = session.Store.Add(bytes);
        AnsiConsole.MarkupLine($"Image [green]{Markup.Escape(args.ImagePath)}[/] registered as [blue]{id}[/].");

        var steps = new Table().Title("Pipeline").AddColumns("Step", "Tool call", "Result", "Time");
        var timer = Stopwatch.StartNew();
        TextToolResult caption = await session.Tools.CaptionAsync(id, "en", cancellationToken);
        steps.AddRow("1", "Caption", Markup.Escape(Summary(caption, caption.Text)), Ms(timer));

        timer.Restart();
        DetectToolResult detect = await session.Tools.DetectAsync(args.Labels, id, cancellationToken);
        steps.AddRow("2", Markup.Escape($"Detect(\"{args.Labels}\")"), Markup.Escape(Summary(detect, $"{detect.Objects?.Count} object(s)")), Ms(timer));

        // PaliGemma was trained to segment one class per prompt ("segment circle"), so segment each class Detect found.
        var segments = new List<SegmentToolResult>();
        foreach (string label in (detect.Objects ?? []).Select(o => o.Label).Distinct(StringComparer.Ordinal))
        {
            timer.Restart();
            SegmentToolResult segment = await session.Tools.SegmentAsync(label, id, cancellationToken);
            segments.Add(segment);
            steps.AddRow((2 + segments.Count).ToString(CultureInfo.InvariantCulture), Markup.Escape($"Segment(\"{label}\")"), Markup.Escape(Summary(segment, $"{segment.Objects?.Count} object(s), {segment.Objects?.Count(o => o.Mask is not null)} mask(s)")), Ms(timer));
        }

        AnsiConsole.Write(steps);

        var objects = new Table().Title("Objects").AddColumns("Tool", "Label", "Box (px)", "Box (0..1)", "Mask area (px)");
        foreach (ToolDetectedObject o in detect.Objects ?? [])
        {
            objects.AddRow("Detect", Markup.Escape(o.Label), Box(o.Box, "0.#"), Box(o.NormalizedBox, "0.###"), "");
        }

        foreach (ToolSegmentedObject o in segments.SelectMany(r => r.Objects ?? []))
        {
            objects.AddRow("Segment", Markup.Escape(o.Label), Box(o.Box, "0.#"), Box(o.NormalizedBox, "0.###"), o.Mask?.Area.ToString(CultureInfo.InvariantCulture) ?? "-");
        }

        if (objects.Rows.Count > 0)
        {
            AnsiConsole.Write(objects);
        }

        Directory.CreateDirectory(args.OutputPath);
        await WriteJsonAsync(Path.Combine(args.OutputPath, "caption.json"), caption, PaliGemmaToolJsonContext.Default.TextToolResult, cancellationToken);
        await WriteJsonAsync(Path.Combine(args.OutputPath, "detect.json"), detect, PaliGemmaToolJsonContext.Default.DetectToolResult, cancellationToken);
        for (int i = 0; i < segments.Count; i++)
        {
            await WriteJsonAsync(Path.Combine(args.OutputPath, $"segment-{i + 1}.json"), segments[i], PaliGemmaToolJsonContext.Default.SegmentToolResult, cancellationToken);
        }

        string annotated = Path.Combine(args.OutputPath, "annotated.png");
        // Every Detect box, and the masks (with their own boxes) of the Segment answers.
        IEnumerable<SegmentedObject> drawn = segments.SelectMany(r => r.Source?.Objects ?? []);
        IEnumerable<SegmentedObject> boxes = (detect.Source?.Objects ?? []).Select(d => new SegmentedObject(d.Label, d.Box, []));
        await File.WriteAllBytesAsync(annotated, AnnotatedImageRenderer.Render(bytes, drawn.Concat(boxes)), cancellationToken);
        AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(Path.GetFullPath(args.OutputPath))}[/]: caption.json, detect.json, segment-N.json ({segments.Count}), annotated.png");
        return 0;
    }

    private static string Summary(PaliGemmaToolResult result, string? success) =>
        result.IsError ? $"error {result.Code}: {result.Error}" : Shorten(success ?? string.Empty);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    private static string Ms(Stopwatch timer) => $"{timer.ElapsedMilliseconds} ms";

    private static string Box(ToolBox b, string format) =>
        string.Create(CultureInfo.InvariantCulture, $"{b.Left.ToString(format, CultureInfo.InvariantCulture)}, {b.Top.ToString(format, CultureInfo.InvariantCulture)}, {b.Right.ToString(format, CultureInfo.InvariantCulture)}, {b.Bottom.ToString(format, CultureInfo.InvariantCulture)}");

    private static async Task WriteJsonAsync<T>(string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        await using FileStream stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, value, typeInfo, cancellationToken);
    }
}
