using System.Text.Json;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>
/// Reads one JSON file of a checkpoint folder (<c>config.json</c>, <c>tokenizer.json</c>, the safetensors index): a
/// missing file, malformed JSON and strings that are not valid UTF-8 become a <see cref="CheckpointException"/> that
/// names the file.
/// </summary>
internal static class CheckpointJsonFile
{
    /// <summary>Parses <paramref name="path"/> and hands its root to <paramref name="read"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="description">How messages name the file, for example <c>Tokenizer</c>.</param>
    /// <param name="whenMissing">Advice appended to the "does not exist" message, or null for none.</param>
    /// <param name="options">The parser options.</param>
    /// <param name="read">Reads the parsed root; its <see cref="CheckpointException"/>s pass through.</param>
    /// <returns>What <paramref name="read"/> returned.</returns>
    public static T Read<T>(string path, string description, string? whenMissing, JsonDocumentOptions options, Func<JsonElement, T> read)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException(whenMissing is null
                ? $"{description} '{path}' does not exist."
                : $"{description} '{path}' does not exist; {whenMissing}.");
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            using JsonDocument document = JsonDocument.Parse(stream, options);
            return read(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"{description} '{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (Exception ex) when (JsonUtf8Errors.IsInvalidUtf8(ex))
        {
            throw new CheckpointException($"{description} '{path}' holds a string that is not valid UTF-8.", ex);
        }
    }
}
