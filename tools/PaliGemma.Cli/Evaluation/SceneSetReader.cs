using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>
/// Reads a held-out scene set: <c>scenes.jsonl</c> as written by <c>python3 -m scenes --write DIR</c>, one JSON object per
/// line (<c>seed</c>, <c>image</c>, <c>size</c>, <c>caption</c>, <c>text</c>, <c>counts</c>,
/// <c>objects[{shape, colour, box_xyxy}]</c>, optional <c>masks</c>), file names relative to the file's folder.
/// Every line is checked up front; the first bad one throws <see cref="SceneSetFormatException"/> naming the file and line.
/// Blank lines are skipped; unknown properties are ignored.
/// </summary>
internal static class SceneSetReader
{
    /// <summary>The file name looked for when a folder is given.</summary>
    public const string FileName = "scenes.jsonl";

    /// <summary>Reads <paramref name="path"/>: a folder holding <see cref="FileName"/>, or the JSON-lines file itself.</summary>
    /// <param name="path">The folder or file.</param>
    /// <returns>The scenes in file order.</returns>
    /// <exception cref="FileNotFoundException">Neither the folder's <see cref="FileName"/> nor the file exists.</exception>
    /// <exception cref="SceneSetFormatException">A line is not a valid scene record, or names a missing file.</exception>
    public static IReadOnlyList<SceneRecord> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"No scene set at '{path}': expected a folder with {FileName} or the file itself (write one with `python3 -m scenes --write DIR`).", file);
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        var scenes = new List<SceneRecord>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(file))
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                scenes.Add(ParseLine(line, folder, $"{file}:{lineNumber}"));
            }
        }

        return scenes.Count > 0 ? scenes : throw new SceneSetFormatException($"{file}: no scenes (the file is empty).");
    }

    private static SceneRecord ParseLine(string line, string folder, string where)
    {
        SceneLine? dto;
        try
        {
            dto = JsonSerializer.Deserialize(line, SceneSetJsonContext.Default.SceneLine);
        }
        catch (JsonException ex)
        {
            throw new SceneSetFormatException($"{where}: not a scene record: {ex.Message}", ex);
        }

        if (dto is null)
        {
            throw new SceneSetFormatException($"{where}: expected a JSON object, got null.");
        }

        int seed = dto.Seed ?? throw Missing(where, "seed");
        int size = dto.Size ?? throw Missing(where, "size");
        if (size < 1)
        {
            throw new SceneSetFormatException($"{where}: 'size' must be positive, got {size}.");
        }

        string image = LocalFile(folder, dto.Image ?? throw Missing(where, "image"), where, "image");
        string? masks = dto.Masks is null ? null : LocalFile(folder, dto.Masks, where, "masks");
        string caption = dto.Caption ?? throw Missing(where, "caption");
        if (dto.Text is "")
        {
            throw new SceneSetFormatException($"{where}: 'text' must be null or non-empty.");
        }

        List<ObjectLine> objectLines = dto.Objects ?? throw Missing(where, "objects");
        var objects = new List<SceneObject>(objectLines.Count);
        for (int i = 0; i < objectLines.Count; i++)
        {
            objects.Add(ParseObject(objectLines[i], size, where, $"objects[{i}]"));
        }

        return new SceneRecord(seed, image, size, caption, dto.Text, CheckCounts(dto.Counts ?? throw Missing(where, "counts"), objects, where), objects, masks);
    }

    private static SceneObject ParseObject(ObjectLine? o, int size, string where, string name)
    {
        if (o is null)
        {
            throw new SceneSetFormatException($"{where}: '{name}' is null.");
        }

        string shape = o.Shape ?? throw Missing(where, name + ".shape");
        if (!SceneShapes.All.Contains(shape, StringComparer.Ordinal))
        {
            throw new SceneSetFormatException($"{where}: '{name}.shape' is '{shape}', expected one of {string.Join(", ", SceneShapes.All)}.");
        }

        int[] box = o.Box ?? throw Missing(where, name + ".box_xyxy");
        if (box.Length != 4 || box[0] < 0 || box[1] < 0 || box[2] > size || box[3] > size || box[0] >= box[2] || box[1] >= box[3])
        {
            throw new SceneSetFormatException($"{where}: '{name}.box_xyxy' must be [x1, y1, x2, y2] with 0 <= x1 < x2 <= {size} and 0 <= y1 < y2 <= {size}, got [{string.Join(", ", box)}].");
        }

        return new SceneObject(shape, o.Colour ?? throw Missing(where, name + ".colour"), new BoundingBox(box[0], box[1], box[2], box[3]));
    }

    private static Dictionary<string, int> CheckCounts(Dictionary<string, int> counts, List<SceneObject> objects, string where)
    {
        foreach (string key in counts.Keys)
        {
            if (!SceneShapes.All.Contains(key, StringComparer.Ordinal))
            {
                throw new SceneSetFormatException($"{where}: 'counts' has the unknown shape '{key}'.");
            }
        }

        foreach (string shape in SceneShapes.All)
        {
            int inObjects = objects.Count(o => o.Shape == shape);
            if (!counts.TryGetValue(shape, out int count) || count != inObjects)
            {
                string given = counts.TryGetValue(shape, out int c) ? c.ToString(CultureInfo.InvariantCulture) : "missing";
                throw new SceneSetFormatException($"{where}: 'counts.{shape}' is {given}, but 'objects' has {inObjects} {shape}(s).");
            }
        }

        return new Dictionary<string, int>(counts, StringComparer.Ordinal);
    }

    private static string LocalFile(string folder, string name, string where, string field)
    {
        if (name.Length == 0 || Path.GetFileName(name) != name || name is "." or "..")
        {
            throw new SceneSetFormatException($"{where}: '{field}' must be a file name in the scene folder, got '{name}'.");
        }

        string path = Path.Combine(folder, name);
        return File.Exists(path) ? path : throw new SceneSetFormatException($"{where}: the {field} file '{path}' does not exist.");
    }

    private static SceneSetFormatException Missing(string where, string field) =>
        new($"{where}: the required property '{field}' is missing or null.");
}

/// <summary>The JSON shape of one <c>scenes.jsonl</c> line (all optional here; <see cref="SceneSetReader"/> checks them).</summary>
internal sealed class SceneLine
{
    /// <summary>Gets or sets the seed.</summary>
    [JsonPropertyName("seed")]
    public int? Seed { get; set; }

    /// <summary>Gets or sets the image file name.</summary>
    [JsonPropertyName("image")]
    public string? Image { get; set; }

    /// <summary>Gets or sets the image size.</summary>
    [JsonPropertyName("size")]
    public int? Size { get; set; }

    /// <summary>Gets or sets the caption.</summary>
    [JsonPropertyName("caption")]
    public string? Caption { get; set; }

    /// <summary>Gets or sets the text, or null.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; set; }

    /// <summary>Gets or sets the counts per shape.</summary>
    [JsonPropertyName("counts")]
    public Dictionary<string, int>? Counts { get; set; }

    /// <summary>Gets or sets the objects.</summary>
    [JsonPropertyName("objects")]
    public List<ObjectLine>? Objects { get; set; }

    /// <summary>Gets or sets the label-mask file name, or null.</summary>
    [JsonPropertyName("masks")]
    public string? Masks { get; set; }
}

/// <summary>The JSON shape of one object of a <c>scenes.jsonl</c> line.</summary>
internal sealed class ObjectLine
{
    /// <summary>Gets or sets the shape name.</summary>
    [JsonPropertyName("shape")]
    public string? Shape { get; set; }

    /// <summary>Gets or sets the colour name.</summary>
    [JsonPropertyName("colour")]
    public string? Colour { get; set; }

    /// <summary>Gets or sets the box [x1, y1, x2, y2].</summary>
    [JsonPropertyName("box_xyxy")]
    public int[]? Box { get; set; }
}

/// <summary>Source-generated JSON for <see cref="SceneLine"/>.</summary>
[JsonSerializable(typeof(SceneLine))]
internal sealed partial class SceneSetJsonContext : JsonSerializerContext;
