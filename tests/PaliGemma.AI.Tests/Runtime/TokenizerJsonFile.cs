using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Writes small Hugging Face <c>tokenizer.json</c> files for detokeniser tests into a temporary folder.</summary>
internal sealed class TokenizerJsonFile : IDisposable
{
    /// <summary>Gemma's decoder chain.</summary>
    public const string GemmaDecoder = """
        {"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"}]}
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paligemma-detok-" + Guid.NewGuid().ToString("N"));

    public TokenizerJsonFile() => Directory.CreateDirectory(_folder);

    /// <summary>Writes a tokenizer and returns its path.</summary>
    /// <param name="vocab">Model vocabulary, piece → id.</param>
    /// <param name="added">Added tokens: id, content, special.</param>
    /// <param name="decoder">The decoder JSON, or null for <c>"decoder": null</c>.</param>
    public string Write(IEnumerable<KeyValuePair<string, int>> vocab, IEnumerable<(int Id, string Content, bool Special)> added, string? decoder)
    {
        var vocabObject = new JsonObject();
        foreach ((string piece, int id) in vocab)
        {
            vocabObject[piece] = id;
        }

        var addedArray = new JsonArray();
        foreach ((int id, string content, bool special) in added)
        {
            addedArray.Add(new JsonObject { ["id"] = id, ["content"] = content, ["special"] = special, ["normalized"] = false });
        }

        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedArray,
            ["decoder"] = decoder is null ? null : JsonNode.Parse(decoder),
            ["model"] = new JsonObject { ["type"] = "BPE", ["byte_fallback"] = true, ["vocab"] = vocabObject, ["merges"] = new JsonArray() },
        };
        return WriteText(root.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    /// <summary>Writes raw text as <c>tokenizer.json</c> and returns its path.</summary>
    public string WriteText(string text)
    {
        string path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + "-tokenizer.json");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
