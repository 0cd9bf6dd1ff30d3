using System.Text.Encodings.Web;
using System.Text.Json;
using PaliGemma.Onnx.Tests.Fixtures;

namespace PaliGemma.Onnx.Tests.Fidelity;

/// <summary>
/// Writes a Hugging Face <c>tokenizer.json</c> + <c>tokenizer_config.json</c> whose ids follow the fixture's own
/// layout (case.json: pad/eos/bos, <c>"\n"</c> = newline_token_id, <c>&lt;image&gt;</c> = image_token_index, the 1024
/// <c>&lt;loc&gt;</c> and 128 <c>&lt;seg&gt;</c> tokens right before it; other ids are <c>&lt;unusedN&gt;</c>).
/// The fixtures ship no tokenizer (the oracle works on ids), while the converter needs one to find the special
/// ids and to copy it into the model folder. Ids come from case.json, not from the converter, so the converter's
/// own check (tokenizer ids agree with config.json) still runs for real.
/// </summary>
internal static class FixtureTokenizer
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string folder, ReferenceFixture fixture)
    {
        JsonElement c = fixture.Case;
        int image = c.GetProperty("image_token_index").GetInt32();
        var special = new Dictionary<int, string>
        {
            [fixture.Config.PadTokenId] = "<pad>",
            [c.GetProperty("eos_token_id").GetInt32()] = "<eos>",
            [c.GetProperty("bos_token_id").GetInt32()] = "<bos>",
            [c.GetProperty("newline_token_id").GetInt32()] = "\n",
            [image] = "<image>",
        };
        int locStart = image - 128 - 1024, segStart = image - 128;
        var tokens = new string[image + 1];
        for (int id = 0; id <= image; id++)
        {
            tokens[id] = special.TryGetValue(id, out string? s) ? s
                : id >= segStart ? $"<seg{id - segStart:D3}>"
                : id >= locStart ? $"<loc{id - locStart:D4}>"
                : $"<unused{id}>";
        }

        using (var stream = new FileStream(Path.Combine(folder, "tokenizer.json"), FileMode.Create, FileAccess.Write))
        using (var json = new Utf8JsonWriter(stream, Indented))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            for (int id = 0; id < tokens.Length; id++)
            {
                if (tokens[id] != "\n")
                {
                    json.WriteStartObject();
                    json.WriteNumber("id", id);
                    json.WriteString("content", tokens[id]);
                    json.WriteBoolean("single_word", false);
                    json.WriteBoolean("lstrip", false);
                    json.WriteBoolean("rstrip", false);
                    json.WriteBoolean("normalized", false);
                    json.WriteBoolean("special", id < locStart || id == image);
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteNull("normalizer");
            json.WriteNull("pre_tokenizer");
            json.WriteNull("post_processor");
            json.WriteNull("decoder");
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteString("unk_token", "<unused3>");
            json.WriteBoolean("fuse_unk", true);
            json.WriteBoolean("byte_fallback", false);
            json.WriteStartObject("vocab");
            for (int id = 0; id < tokens.Length; id++)
            {
                json.WriteNumber(tokens[id], id);
            }

            json.WriteEndObject();
            json.WriteStartArray("merges");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        File.WriteAllText(
            Path.Combine(folder, "tokenizer_config.json"),
            """{"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unused3>", "add_bos_token": false, "add_eos_token": false}""");
    }
}
