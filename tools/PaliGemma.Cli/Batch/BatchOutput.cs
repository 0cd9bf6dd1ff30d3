using System.Text.Json;
using PaliGemma.AI;

namespace PaliGemma.Cli.Batch;

/// <summary>The JSONL results file: resume scanning, per-line appends, and the COCO export made by re-reading it.</summary>
internal static class BatchOutput
{
    /// <summary>
    /// Reads the sources already in <paramref name="path"/> and truncates the file after its last complete, valid line
    /// (a run killed mid-write leaves a partial last line). Returns the set of sources done.
    /// </summary>
    public static HashSet<string> ScanAndRepair(string path)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return done;
        }

        long validEnd = 0;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            var line = new MemoryStream();
            long position = 0;
            int b;
            while ((b = stream.ReadByte()) >= 0)
            {
                position++;
                if (b != '\n')
                {
                    line.WriteByte((byte)b);
                    continue;
                }

                if (SourceOf(line.GetBuffer().AsSpan(0, (int)line.Length)) is not { } source)
                {
                    break;
                }

                done.Add(source);
                validEnd = position;
                line.SetLength(0);
            }
        }

        if (new FileInfo(path).Length != validEnd)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.SetLength(validEnd);
        }

        return done;
    }

    /// <summary>Writes the COCO file from the results file, streaming it line by line.</summary>
    /// <remarks>
    /// Categories are exactly the requested labels. An object is exported only when its label is one that the step which
    /// found it asked for: the model sometimes answers <c>segment star</c> with an object labelled <c>circle</c> (its mask is
    /// then the star it was asked for, drawn over a circle), which is not an answer to any <c>segment circle</c>. Objects left
    /// out are counted. The file
    /// is written next to <paramref name="cocoPath"/> and moved over it when complete, so a run stopped while writing never
    /// leaves a torn COCO file.
    /// </remarks>
    public static (int Images, int Annotations, int Skipped) WriteCoco(string resultsPath, string cocoPath, IEnumerable<string> categories)
    {
        string partial = cocoPath + ".partial";
        try
        {
            (int, int, int) counts;
            using (var coco = new CocoWriter(File.Create(partial), categories) { AddUnknownLabels = false })
            {
                counts = WriteCoco(resultsPath, coco);
            }

            File.Move(partial, cocoPath, overwrite: true);
            return counts;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    private static (int Images, int Annotations, int Skipped) WriteCoco(string resultsPath, CocoWriter coco)
    {
        var stepLabels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        int offStep = 0;
        foreach (string line in File.ReadLines(resultsPath))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("results", out JsonElement results))
            {
                continue;
            }

            var objects = new List<CocoObject>();
            foreach (JsonElement o in results.GetProperty("objects").EnumerateArray())
            {
                string label = o.GetProperty("label").GetString() ?? string.Empty;
                if (!AskedFor(stepLabels, o.GetProperty("step").GetString() ?? string.Empty, label))
                {
                    offStep++;
                    continue;
                }

                JsonElement box = o.GetProperty("box");
                var b = new BoundingBox(box.GetProperty("left").GetSingle(), box.GetProperty("top").GetSingle(), box.GetProperty("right").GetSingle(), box.GetProperty("bottom").GetSingle());
                CocoRle? rle = null;
                if (o.TryGetProperty("mask", out JsonElement mask) && mask.ValueKind == JsonValueKind.Object)
                {
                    JsonElement r = mask.GetProperty("rle");
                    rle = new CocoRle(
                        [.. r.GetProperty("size").EnumerateArray().Select(v => v.GetInt32())],
                        [.. r.GetProperty("counts").EnumerateArray().Select(v => v.GetInt32())]);
                }

                objects.Add(new CocoObject(label, b) { Rle = rle });
            }

            coco.AddImage(root.GetProperty("source").GetString()!, root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32(), objects);
        }

        coco.Complete();
        return (coco.ImageCount, coco.AnnotationCount, coco.SkippedObjectCount + offStep);
    }

    /// <summary>Whether <paramref name="label"/> is one of the labels the step with prompt <paramref name="step"/> asked for.</summary>
    private static bool AskedFor(Dictionary<string, HashSet<string>> cache, string step, string label)
    {
        if (!cache.TryGetValue(step, out HashSet<string>? labels))
        {
            try
            {
                labels = new HashSet<string>(VisionStep.Parse(step).Labels, StringComparer.Ordinal);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                labels = [];
            }

            cache[step] = labels;
        }

        return labels.Contains(label);
    }

    private static string? SourceOf(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("source", out JsonElement s) && s.ValueKind == JsonValueKind.String
                ? s.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Appends one record as a line and flushes it to the file.</summary>
    public static void Append(FileStream stream, BatchLine line)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(line, BatchJsonContext.Default.BatchLine);
        stream.Write(json);
        stream.WriteByte((byte)'\n');
        stream.Flush(flushToDisk: false);
    }
}
