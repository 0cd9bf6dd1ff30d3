using System.Text.Json;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Conversion;

/// <summary>Reads PaliGemma's special token ids out of a Hugging Face <c>tokenizer.json</c> and checks them against the config.</summary>
public static class TokenizerInspector
{
    /// <summary>Token count of released PaliGemma tokenizers (257152 + <c>&lt;image&gt;</c>); tokenizers this large are checked against the released id layout.</summary>
    public const int ReleasedTokenizerSize = 257153;

    /// <summary>Reads the token → id map of <paramref name="tokenizerJsonPath"/> (model vocabulary plus added tokens).</summary>
    /// <param name="tokenizerJsonPath">Path of <c>tokenizer.json</c>.</param>
    /// <exception cref="CheckpointException">The file is missing or malformed.</exception>
    public static IReadOnlyDictionary<string, int> ReadVocabulary(string tokenizerJsonPath)
    {
        return CheckpointJsonFile.Read<IReadOnlyDictionary<string, int>>(tokenizerJsonPath, "Tokenizer", $"the checkpoint folder must contain the Hugging Face '{ModelFileNames.Tokenizer}'", default, root =>
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out JsonElement model)
                && model.ValueKind == JsonValueKind.Object && model.TryGetProperty("vocab", out JsonElement vocab)
                && vocab.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty token in vocab.EnumerateObject())
                {
                    if (token.Value.ValueKind == JsonValueKind.Number && token.Value.TryGetInt32(out int id))
                    {
                        ids[token.Name] = id;
                    }
                }
            }
            else
            {
                throw new CheckpointException($"Tokenizer '{tokenizerJsonPath}' has no 'model.vocab' object; expected a Hugging Face tokenizers file (BPE like Gemma's).");
            }

            if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement token in added.EnumerateArray())
                {
                    if (token.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String
                        && token.TryGetProperty("id", out JsonElement idElement) && idElement.TryGetInt32(out int id))
                    {
                        ids[content.GetString()!] = id;
                    }
                }
            }

            return ids;
        });
    }

    /// <summary>Finds the special token ids the runtime needs and checks them against <paramref name="config"/>.</summary>
    /// <param name="tokenizerJsonPath">Path of <c>tokenizer.json</c>.</param>
    /// <param name="config">The checkpoint configuration.</param>
    /// <exception cref="CheckpointException">A token is missing or its id disagrees with the config.</exception>
    public static PaliGemmaTokenIds ReadTokenIds(string tokenizerJsonPath, PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyDictionary<string, int> vocabulary = ReadVocabulary(tokenizerJsonPath);
        int Need(string token) => vocabulary.TryGetValue(token, out int id)
            ? (id >= 0 && id < config.Text.VocabSize ? id : throw new CheckpointException($"Tokenizer '{tokenizerJsonPath}': token '{Escape(token)}' has id {id}, outside the model vocabulary of {config.Text.VocabSize}."))
            : throw new CheckpointException($"Tokenizer '{tokenizerJsonPath}' has no '{Escape(token)}' token, which PaliGemma prompts need.");

        int image = Need("<image>");
        int newline = Need("\n");
        int loc = Need("<loc0000>");
        int seg = Need("<seg000>");
        int eos = Need("<eos>");
        int bos = Need("<bos>");
        int pad = Need("<pad>");
        CheckRun(tokenizerJsonPath, vocabulary, "loc", loc, PaliGemmaTokenIds.LocationTokenCount, "D4");
        CheckRun(tokenizerJsonPath, vocabulary, "seg", seg, PaliGemmaTokenIds.SegmentationTokenCount, "D3");

        Agree(tokenizerJsonPath, "<image>", image, "image_token_index", config.ImageTokenIndex);
        Agree(tokenizerJsonPath, "<eos>", eos, "eos_token_id", config.EosTokenId);
        Agree(tokenizerJsonPath, "<bos>", bos, "bos_token_id", config.BosTokenId);

        var extraStop = new List<int>();
        if (config.Generation == 2 && vocabulary.TryGetValue("<end_of_turn>", out int endOfTurn) && endOfTurn < config.Text.VocabSize)
        {
            extraStop.Add(endOfTurn);
        }

        var ids = new PaliGemmaTokenIds
        {
            Pad = pad,
            Eos = eos,
            Bos = bos,
            Image = image,
            Newline = newline,
            LocStart = loc,
            SegStart = seg,
            ExtraStop = extraStop,
        };

        if (vocabulary.Count >= ReleasedTokenizerSize)
        {
            CheckReleasedLayout(tokenizerJsonPath, ids);
        }

        return ids;
    }

    private static void CheckRun(string path, IReadOnlyDictionary<string, int> vocabulary, string kind, int start, int count, string format)
    {
        for (int i = 0; i < count; i++)
        {
            string token = $"<{kind}{i.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}>";
            if (!vocabulary.TryGetValue(token, out int id) || id != start + i)
            {
                throw new CheckpointException($"Tokenizer '{path}': '{token}' should have id {start + i} (consecutive after <{kind}{0.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}>), found {(vocabulary.ContainsKey(token) ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}.");
            }
        }
    }

    private static void Agree(string path, string token, int tokenizerId, string configKey, int configId)
    {
        if (tokenizerId != configId)
        {
            throw new CheckpointException($"Tokenizer '{path}' gives '{token}' id {tokenizerId}, but config.json has {configKey} = {configId}.");
        }
    }

    private static void CheckReleasedLayout(string path, PaliGemmaTokenIds ids)
    {
        // Released PaliGemma tokenizers (DESIGN §3): "\n" 108, <loc0000> 256000, <seg000> 257024, <image> 257152.
        if (ids.Newline != 108 || ids.LocStart != 256000 || ids.SegStart != 257024 || ids.Image != 257152 || ids.Pad != 0 || ids.Eos != 1 || ids.Bos != 2)
        {
            throw new CheckpointException(
                $"Tokenizer '{path}' has the size of a released PaliGemma tokenizer but unexpected ids (newline {ids.Newline}, loc0000 {ids.LocStart}, seg000 {ids.SegStart}, image {ids.Image}, pad/eos/bos {ids.Pad}/{ids.Eos}/{ids.Bos}); expected 108, 256000, 257024, 257152, 0/1/2.");
        }
    }

    private static string Escape(string token) => token.Replace("\n", "\\n", StringComparison.Ordinal);
}
