using System.Text.Encodings.Web;
using System.Text.Json;
using PaliGemma.ModelFormat;

namespace PaliGemma.Onnx.Tiny;

/// <summary>
/// Writes a Hugging Face <c>tokenizers</c> BPE tokenizer shaped like Gemma's (byte fallback, <c>▁</c> for spaces,
/// Replace/ByteFallback/Fuse decoder) plus <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c>.
/// As in PaliGemma's tokenizer, <c>&lt;image&gt;</c> is a special added token while <c>&lt;locNNNN&gt;</c> and
/// <c>&lt;segNNN&gt;</c> are non-special added tokens, so they survive decoding.
/// </summary>
public static class TinyTokenizerWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the three tokenizer files into <paramref name="folder"/>.</summary>
    /// <param name="folder">The destination folder (must exist).</param>
    /// <param name="vocabulary">The vocabulary.</param>
    public static void Write(string folder, TinyVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        WriteJson(Path.Combine(folder, ModelFileNames.Tokenizer), json => WriteTokenizer(json, vocabulary));
        WriteJson(Path.Combine(folder, ModelFileNames.TokenizerConfig), json => WriteTokenizerConfig(json, vocabulary));
        WriteJson(Path.Combine(folder, ModelFileNames.SpecialTokensMap), WriteSpecialTokensMap);
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, Options);
        body(json);
    }

    private static IEnumerable<int> AddedTokenIds(TinyVocabulary vocabulary)
    {
        for (int id = 0; id < vocabulary.NewlineId; id++)
        {
            yield return id;
        }

        for (int id = vocabulary.LocStart; id < vocabulary.Count; id++)
        {
            yield return id;
        }
    }

    private static void WriteTokenizer(Utf8JsonWriter json, TinyVocabulary vocabulary)
    {
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        foreach (int id in AddedTokenIds(vocabulary))
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("content", vocabulary.Tokens[id]);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", vocabulary.IsSpecial(id));
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartObject("normalizer");
        json.WriteString("type", "Replace");
        json.WriteStartObject("pattern");
        json.WriteString("String", " ");
        json.WriteEndObject();
        json.WriteString("content", TinyVocabulary.SpaceMarker);
        json.WriteEndObject();

        json.WriteNull("pre_tokenizer");
        WritePostProcessor(json);

        json.WriteStartObject("decoder");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("decoders");
        json.WriteStartObject();
        json.WriteString("type", "Replace");
        json.WriteStartObject("pattern");
        json.WriteString("String", TinyVocabulary.SpaceMarker);
        json.WriteEndObject();
        json.WriteString("content", " ");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "ByteFallback");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "Fuse");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteString("unk_token", "<unk>");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", true);
        json.WriteBoolean("byte_fallback", true);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        for (int id = 0; id < vocabulary.Count; id++)
        {
            json.WriteNumber(vocabulary.Tokens[id], id);
        }

        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach ((string left, string right) in vocabulary.Merges)
        {
            json.WriteStringValue(left + " " + right);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePostProcessor(Utf8JsonWriter json)
    {
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteSpecialPiece(json);
        WriteSequencePiece(json, "A");
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WriteSpecialPiece(json);
        WriteSequencePiece(json, "A");
        WriteSpecialPiece(json);
        WriteSequencePiece(json, "B");
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject("<bos>");
        json.WriteString("id", "<bos>");
        json.WriteStartArray("ids");
        json.WriteNumberValue(2);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue("<bos>");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSpecialPiece(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartObject("SpecialToken");
        json.WriteString("id", "<bos>");
        json.WriteNumber("type_id", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSequencePiece(Utf8JsonWriter json, string id)
    {
        json.WriteStartObject();
        json.WriteStartObject("Sequence");
        json.WriteString("id", id);
        json.WriteNumber("type_id", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTokenizerConfig(Utf8JsonWriter json, TinyVocabulary vocabulary)
    {
        json.WriteStartObject();
        json.WriteBoolean("add_bos_token", true);
        json.WriteBoolean("add_eos_token", false);
        json.WriteStartObject("added_tokens_decoder");
        foreach (int id in AddedTokenIds(vocabulary))
        {
            json.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("content", vocabulary.Tokens[id]);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("special", vocabulary.IsSpecial(id));
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartArray("additional_special_tokens");
        json.WriteStringValue("<image>");
        json.WriteEndArray();
        json.WriteString("bos_token", "<bos>");
        json.WriteBoolean("clean_up_tokenization_spaces", false);
        json.WriteString("eos_token", "<eos>");
        json.WriteNumber("model_max_length", 8192);
        json.WriteString("pad_token", "<pad>");
        json.WriteString("padding_side", "left");
        json.WriteString("processor_class", "PaliGemmaProcessor");
        json.WriteString("tokenizer_class", "GemmaTokenizer");
        json.WriteString("unk_token", "<unk>");
        json.WriteEndObject();
    }

    private static void WriteSpecialTokensMap(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartArray("additional_special_tokens");
        json.WriteStringValue("<image>");
        json.WriteEndArray();
        json.WriteString("bos_token", "<bos>");
        json.WriteString("eos_token", "<eos>");
        json.WriteString("pad_token", "<pad>");
        json.WriteString("unk_token", "<unk>");
        json.WriteEndObject();
    }
}
