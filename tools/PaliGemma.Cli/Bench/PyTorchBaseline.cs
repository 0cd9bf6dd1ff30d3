using System.Text.Json;

namespace PaliGemma.Cli.Bench;

/// <summary>Reads <c>scripts/bench-pytorch.sh</c>'s JSON and puts the ratios into a <see cref="BenchResult"/>.</summary>
internal static class PyTorchBaseline
{
    /// <summary>Reads and checks the file (before the bench spends minutes measuring).</summary>
    /// <exception cref="InvalidDataException">The file is not the script's JSON.</exception>
    public static JsonElement Read(string path)
    {
        JsonElement root;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"--pytorch-baseline '{path}' is not JSON: {ex.Message}", ex);
        }

        _ = Positive(root, "prefill_seconds", path);
        _ = Positive(root, "decode_tokens_per_second", path);
        return root;
    }

    /// <summary>Adds the PyTorch figures and ratios (from <see cref="Read"/>) to <paramref name="result"/>.</summary>
    public static BenchResult Apply(BenchResult result, JsonElement root, string path)
    {
        double prefill = Positive(root, "prefill_seconds", path);
        double decode = Positive(root, "decode_tokens_per_second", path);
        var notes = new List<string>();
        if (root.TryGetProperty("threads", out JsonElement t) && t.TryGetInt32(out int threads) && threads != result.ResolvedThreads)
        {
            notes.Add($"PyTorch ran with {threads} thread(s), this run with {result.ResolvedThreads}");
        }

        if (root.TryGetProperty("prompt_ids", out JsonElement ids) && ids.ValueKind == JsonValueKind.Array)
        {
            int[] theirs = [.. ids.EnumerateArray().Select(e => e.GetInt32())];
            notes.Add(theirs.SequenceEqual(result.PromptTokenIds) ? "same prompt ids" : $"DIFFERENT prompt ids ({theirs.Length} vs {result.PromptTokenIds.Count} tokens)");
        }

        return result with
        {
            PyTorchPrefillSeconds = prefill,
            PyTorchDecodeTokensPerSecond = decode,
            PrefillSpeedupVsPyTorch = prefill / (result.PrefillMs / 1000.0),
            DecodeSpeedupVsPyTorch = result.LibraryDecodeTokensPerSecond / decode,
            PyTorchBaselineNote = string.Join("; ", notes),
        };
    }

    private static double Positive(JsonElement root, string name, string path) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out JsonElement e) && e.TryGetDouble(out double v) && v > 0 && double.IsFinite(v)
            ? v
            : throw new InvalidDataException($"--pytorch-baseline '{path}' has no positive number '{name}' (write it with scripts/bench-pytorch.sh).");
}
