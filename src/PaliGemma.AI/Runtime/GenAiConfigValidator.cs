using System.Text.Json;
using System.Text.Unicode;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// Checks <c>genai_config.json</c> before ONNX Runtime GenAI sees it. A model folder is untrusted input, and ORT GenAI
/// acts on what this file says (it <c>dlopen</c>s a <c>custom_ops_library</c>, appends the execution providers named
/// in <c>provider_options</c>, opens the graph files named anywhere in it), so every key is checked against an
/// allow-list (<see cref="GenAiConfigSchema"/>: exactly what <c>PaliGemma.Onnx</c>'s <c>GenAiConfigWriter</c> writes, plus
/// harmless search options) with the kind of its value, before anything else. Then it checks that the file agrees
/// with the manifest (decoder file, vocabulary, hidden width, special ids, context length), so a mismatched pair fails
/// at load with the file named.
/// </summary>
internal static class GenAiConfigValidator
{
    /// <summary>Throws <see cref="PaliGemmaModelException"/> naming genai_config.json and the first disagreement.</summary>
    public static void Validate(ModelFolder folder)
    {
        string path = folder.GenAiConfigPath;
        PaliGemmaManifest manifest = folder.Manifest;
        JsonDocument document;
        try
        {
            // Strings are decoded lazily by JsonDocument: check the encoding up front so invalid UTF-8 inside a string
            // is reported here rather than escaping later as an InvalidOperationException.
            byte[] bytes = File.ReadAllBytes(path);
            if (!Utf8.IsValid(bytes))
            {
                throw new PaliGemmaModelException(path, "the file is not valid UTF-8 text.", null);
            }

            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new PaliGemmaModelException(path, $"the file is not valid JSON: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new PaliGemmaModelException(path, $"the file cannot be read: {ex.Message}", ex);
        }

        using (document)
        {
            void Fail(string message) => throw new PaliGemmaModelException(path, message, null);

            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(GenAiConfigKeys.Search, out var search)
                && search.ValueKind == JsonValueKind.Object && search.TryGetProperty(GenAiConfigKeys.SearchSection.ChunkSize, out _))
            {
                Fail("search.chunk_size is set; PaliGemma's prefix attention needs the whole prompt in one prefill, remove it.");
            }

            // Then the allow-list: after it, every value read below has the kind the reads expect.
            GenAiConfigSchema.Check(document.RootElement, Fail);

            JsonElement model = Child(document.RootElement, GenAiConfigKeys.Model, path);
            JsonElement decoder = Child(model, GenAiConfigKeys.ModelSection.Decoder, path);

            string? fileName = decoder.TryGetProperty(GenAiConfigKeys.DecoderSection.FileName, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (!string.Equals(fileName, manifest.Files.Decoder, StringComparison.Ordinal))
            {
                Fail($"model.decoder.filename is '{fileName}', but the manifest's files.decoder is '{manifest.Files.Decoder}'.");
            }

            int vocab = Int(model, GenAiConfigKeys.ModelSection.VocabSize, "model.vocab_size", path);
            if (vocab != manifest.VocabSize)
            {
                Fail($"model.vocab_size is {vocab}, but the manifest's vocab_size is {manifest.VocabSize}.");
            }

            int hidden = Int(decoder, GenAiConfigKeys.DecoderSection.HiddenSize, "model.decoder.hidden_size", path);
            if (hidden != manifest.TextHiddenSize)
            {
                Fail($"model.decoder.hidden_size is {hidden}, but the manifest's text_hidden_size is {manifest.TextHiddenSize}.");
            }

            if (model.TryGetProperty(GenAiConfigKeys.ModelSection.BosTokenId, out var bos) && bos.ValueKind == JsonValueKind.Number && bos.GetInt32() != manifest.TokenIds.Bos)
            {
                Fail($"model.bos_token_id is {bos.GetInt32()}, but the manifest's token_ids.bos is {manifest.TokenIds.Bos}.");
            }

            if (model.TryGetProperty(GenAiConfigKeys.ModelSection.PadTokenId, out var pad) && pad.ValueKind == JsonValueKind.Number && pad.GetInt32() != manifest.TokenIds.Pad)
            {
                Fail($"model.pad_token_id is {pad.GetInt32()}, but the manifest's token_ids.pad is {manifest.TokenIds.Pad}.");
            }

            if (!model.TryGetProperty(GenAiConfigKeys.ModelSection.EosTokenId, out var eos) || !EosIds(eos).Contains(manifest.TokenIds.Eos))
            {
                Fail($"model.eos_token_id must include the manifest's token_ids.eos {manifest.TokenIds.Eos}.");
            }

            // ONNX Runtime GenAI ends generation on every id listed here; the runtime must know each as a stop token.
            foreach (int id in EosIds(eos))
            {
                if (id != manifest.TokenIds.Eos && !manifest.TokenIds.ExtraStop.Contains(id))
                {
                    Fail($"model.eos_token_id lists {id}, which the manifest names neither as token_ids.eos nor in token_ids.extra_stop; add it to extra_stop.");
                }
            }

            if (model.TryGetProperty(GenAiConfigKeys.ModelSection.ContextLength, out var context) && context.ValueKind == JsonValueKind.Number
                && context.GetInt64() < manifest.MaxSequenceLength)
            {
                Fail($"model.context_length is {context.GetInt64()}, smaller than the manifest's max_sequence_length {manifest.MaxSequenceLength}.");
            }
        }
    }

    private static IEnumerable<int> EosIds(JsonElement eos) => eos.ValueKind switch
    {
        JsonValueKind.Number => [eos.GetInt32()],
        JsonValueKind.Array => eos.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()).ToArray(),
        _ => [],
    };

    private static JsonElement Child(JsonElement parent, string name, string path)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var child) || child.ValueKind != JsonValueKind.Object)
        {
            throw new PaliGemmaModelException(path, $"the object '{name}' is missing.", null);
        }

        return child;
    }

    private static int Int(JsonElement parent, string name, string display, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number))
        {
            throw new PaliGemmaModelException(path, $"{display} is missing or not an integer.", null);
        }

        return number;
    }
}
