using System.Text.Json;

namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>
/// Turns token ids into text the way Hugging Face <c>tokenizers</c> decodes them, from the model's
/// <c>tokenizer.json</c>: each id maps to its piece (an added token's content wins over the model vocabulary), the
/// pieces run through the file's decoder chain (see <see cref="DecoderChainReader"/>), and the results are
/// concatenated. Added tokens marked <c>"special": true</c> (<c>&lt;pad&gt;</c>, <c>&lt;bos&gt;</c>,
/// <c>&lt;eos&gt;</c>, <c>&lt;image&gt;</c>, …), the ids the caller drops and ids with no piece are removed
/// first, as Hugging Face does with <c>skip_special_tokens=True</c> (and as ONNX Runtime GenAI 0.18 does within
/// text); non-special added tokens such as <c>&lt;locNNNN&gt;</c> and <c>&lt;segNNN&gt;</c> are kept. Immutable
/// and thread-safe.
/// </summary>
internal sealed class Detokenizer
{
    /// <summary>The largest token id accepted in <c>tokenizer.json</c> (the piece table is sized by the largest id).</summary>
    public const int MaxTokenId = (1 << 24) - 1;

    private readonly string?[] _pieces;
    private readonly DecodeStep[] _steps;
    private readonly Func<int, bool> _isDropped;

    private Detokenizer(string?[] pieces, DecodeStep[] steps, Func<int, bool> isDropped)
    {
        _pieces = pieces;
        _steps = steps;
        _isDropped = isDropped;
    }

    /// <summary>The size of the piece table (largest id + 1).</summary>
    public int Count => _pieces.Length;

    /// <summary>
    /// Reads <c>tokenizer.json</c>. Returns null, with the reason in <paramref name="unsupported"/>, when the file's
    /// model or decoder chain is of a kind this class does not implement.
    /// </summary>
    /// <param name="tokenizerPath">Path of <c>tokenizer.json</c>.</param>
    /// <param name="isDropped">Ids decoding drops (padding, begin- and end-of-sequence).</param>
    /// <param name="unsupported">Why the file is not supported; null when it is.</param>
    /// <returns>The detokeniser, or null.</returns>
    /// <exception cref="PaliGemmaModelException">The file cannot be read, is not JSON or has an id out of range.</exception>
    public static Detokenizer? Load(string tokenizerPath, Func<int, bool> isDropped, out string? unsupported)
    {
        try
        {
            using FileStream stream = File.OpenRead(tokenizerPath);
            using JsonDocument document = JsonDocument.Parse(stream);
            return Read(document.RootElement, tokenizerPath, isDropped, out unsupported);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new PaliGemmaModelException(tokenizerPath, $"cannot read the tokenizer for decoding: {ex.Message}", ex);
        }
    }

    /// <summary>Decodes ids as a batch.</summary>
    /// <param name="ids">The ids.</param>
    /// <returns>The text.</returns>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (PieceOf(id) is string piece)
            {
                tokens.Add(piece);
            }
        }

        foreach (DecodeStep step in _steps)
        {
            tokens = step.DecodeChain(tokens);
        }

        return string.Concat(tokens);
    }

    /// <summary>Creates a streaming decoder whose pieces concatenate to <see cref="Decode"/> of the same ids.</summary>
    /// <returns>A new stream.</returns>
    public DetokenizerStream CreateStream() => new(this, Array.ConvertAll(_steps, step => step.CreateStage()));

    /// <summary>The piece decoding starts from, or null when the id is dropped or has none.</summary>
    /// <param name="id">The id.</param>
    internal string? PieceOf(int id)
        => (uint)id < (uint)_pieces.Length && !_isDropped(id) ? _pieces[id] : null;

    private static Detokenizer? Read(JsonElement root, string path, Func<int, bool> isDropped, out string? unsupported)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new PaliGemmaModelException(path, "the tokenizer is not a JSON object.", null);
        }

        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            unsupported = "the tokenizer has no 'model.vocab' object (only BPE-style token → id vocabularies are supported)";
            return null;
        }

        if (!root.TryGetProperty("decoder", out JsonElement decoder))
        {
            unsupported = "the tokenizer has no 'decoder'";
            return null;
        }

        if (!DecoderChainReader.TryRead(decoder, out List<DecodeStep>? steps, out unsupported))
        {
            return null;
        }

        var entries = new List<(int Id, string? Piece)>(vocab.GetPropertyCount());
        foreach (JsonProperty token in vocab.EnumerateObject())
        {
            entries.Add((ReadId(token.Value, path, $"model.vocab entry \"{token.Name}\""), token.Name));
        }

        int vocabCount = entries.Count;
        if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement token in added.EnumerateArray())
            {
                if (token.ValueKind != JsonValueKind.Object
                    || !token.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String
                    || !token.TryGetProperty("id", out JsonElement id))
                {
                    throw new PaliGemmaModelException(path, "an 'added_tokens' entry lacks a string 'content' or an 'id'.", null);
                }

                bool special = token.TryGetProperty("special", out JsonElement flag) && flag.ValueKind == JsonValueKind.True;
                entries.Add((ReadId(id, path, $"added token \"{content.GetString()}\""), special ? null : content.GetString()!));
            }
        }

        int size = 0;
        foreach ((int id, _) in entries)
        {
            size = Math.Max(size, id + 1);
        }

        var pieces = new string?[size];
        for (int i = 0; i < entries.Count; i++)
        {
            // Added tokens come last, so they win over a vocabulary entry with the same id (a special one as null).
            (int id, string? piece) = entries[i];
            pieces[id] = i >= vocabCount ? piece : pieces[id] ?? piece;
        }

        return new Detokenizer(pieces, [.. steps!], isDropped);
    }

    private static int ReadId(JsonElement element, string path, string what)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int id) || id < 0 || id > MaxTokenId)
        {
            throw new PaliGemmaModelException(path, $"{what} has id {element.GetRawText()}; ids must be integers from 0 to {MaxTokenId}.", null);
        }

        return id;
    }
}
