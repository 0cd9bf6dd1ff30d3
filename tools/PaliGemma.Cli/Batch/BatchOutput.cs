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
    /// <remarks>Categories are exactly the requested labels; objects the model labelled otherwise are left out and counted.</remarks>
    public static (int Images, int Annotations, int Skipped) WriteCoco(string resultsPath, string cocoPath, IEnumerable<string> categories)
    {
        using var coco = new CocoWriter(File.Create(cocoPath), categories) { AddUnknownLabels = false };
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

                objects.Add(new CocoObject(o.GetProperty("label").GetString() ?? string.Empty, b) { Rle = rle });
            }

            coco.AddImage(root.GetProperty("source").GetString()!, root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32(), objects);
        }

        coco.Complete();
        return (coco.ImageCount, coco.AnnotationCount, coco.SkippedObjectCount);
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
