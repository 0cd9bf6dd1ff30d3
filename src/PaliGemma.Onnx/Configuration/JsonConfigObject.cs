using System.Text.Json;
using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Configuration;

/// <summary>Typed, validating access to one JSON object of a config file; errors name the file and the key path.</summary>
internal readonly struct JsonConfigObject
{
    private readonly JsonElement _element;

    public JsonConfigObject(string file, string path, JsonElement element)
    {
        File = file;
        Path = path;
        _element = element;
    }

    public string File { get; }

    public string Path { get; }

    public bool Has(string key) => _element.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    public bool IsExplicitNull(string key) => _element.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.Null;

    public JsonConfigObject? GetObject(string key)
    {
        if (!_element.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object
            ? new JsonConfigObject(File, Qualify(key), value)
            : throw Error(key, $"must be a JSON object, found {value.ValueKind}");
    }

    public string? GetString(string key)
    {
        if (!_element.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error(key, $"must be a string, found {value.ValueKind}");
    }

    public int GetInt(string key, int fallback, int min = 1)
    {
        if (!_element.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            // eos_token_id may be a list: the first entry is the primary id.
            JsonElement first = value.GetArrayLength() > 0 ? value[0] : throw Error(key, "is an empty list");
            return ToInt(key, first, min);
        }

        return ToInt(key, value, min);
    }

    public int? GetOptionalInt(string key, int? fallback, int min = 1)
    {
        if (!_element.TryGetProperty(key, out JsonElement value))
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Null ? null : ToInt(key, value, min);
    }

    public float GetFloat(string key, float fallback) => GetOptionalFloat(key, fallback) ?? fallback;

    public float? GetOptionalFloat(string key, float? fallback)
    {
        if (!_element.TryGetProperty(key, out JsonElement value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number) || number <= 0)
        {
            throw Error(key, $"must be a positive number, found '{value}'");
        }

        return (float)number;
    }

    public IReadOnlyList<int> GetIntList(string key)
    {
        if (!_element.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var result = new List<int>();
            foreach (JsonElement item in value.EnumerateArray())
            {
                result.Add(ToInt(key, item, 0));
            }

            return result;
        }

        return [ToInt(key, value, 0)];
    }

    public CheckpointException Error(string key, string reason) => new($"Config '{File}', key '{Qualify(key)}': {reason}.");

    private string Qualify(string key) => Path.Length == 0 ? key : Path + "." + key;

    private int ToInt(string key, JsonElement value, int min)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number))
        {
            throw Error(key, $"must be an integer, found '{value}'");
        }

        return number >= min ? number : throw Error(key, $"must be at least {min}, found {number}");
    }
}
