using System.Text.Json;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// The keys <c>genai_config.json</c> may hold, each with the kind of its value: exactly what
/// <c>PaliGemma.Onnx.Graphs.GenAiConfigWriter</c> writes, plus search options that only steer decoding
/// (<c>length_penalty</c>, <c>no_repeat_ngram_size</c>, <c>diversity_penalty</c>, <c>random_seed</c>). Anything else is refused
/// with the key's dotted path, and two keys get their own message: <c>custom_ops_library</c> (a native library ONNX
/// Runtime would <c>dlopen</c>, running its code) and a non-empty <c>provider_options</c> (execution providers come from
/// <see cref="PaliGemmaModelOptions.ExecutionProvider"/>, never from the folder). A key given twice is refused too, since
/// readers disagree on which copy wins.
/// </summary>
internal static class GenAiConfigSchema
{
    /// <summary>The key whose value ONNX Runtime loads as a native library.</summary>
    public const string CustomOpsLibraryKey = "custom_ops_library";

    /// <summary>The key that lists execution providers for a session.</summary>
    public const string ProviderOptionsKey = "provider_options";

    private static readonly Rule Root = Object(new()
    {
        ["model"] = Object(new()
        {
            ["type"] = new Rule(Kind.Decoder),
            ["bos_token_id"] = Integer(),
            ["eos_token_id"] = new Rule(Kind.IntegerOrIntegers),
            ["pad_token_id"] = Integer(),
            ["vocab_size"] = Integer(),
            ["context_length"] = Integer(),
            ["decoder"] = Object(new()
            {
                ["session_options"] = Object(new()
                {
                    ["log_id"] = Text(),
                    [ProviderOptionsKey] = new Rule(Kind.EmptyArray),
                }),
                ["filename"] = Text(),
                ["head_size"] = Integer(),
                ["hidden_size"] = Integer(),
                ["num_attention_heads"] = Integer(),
                ["num_key_value_heads"] = Integer(),
                ["num_hidden_layers"] = Integer(),
                ["inputs"] = Object(new()
                {
                    ["input_ids"] = Text(),
                    ["attention_mask"] = Text(),
                    ["position_ids"] = Text(),
                    ["past_key_names"] = Text(),
                    ["past_value_names"] = Text(),
                }),
                ["outputs"] = Object(new()
                {
                    ["logits"] = Text(),
                    ["present_key_names"] = Text(),
                    ["present_value_names"] = Text(),
                }),
            }),
        }),
        ["search"] = Object(new()
        {
            ["max_length"] = Integer(),
            ["min_length"] = Integer(),
            ["do_sample"] = Boolean(),
            ["num_beams"] = Integer(),
            ["num_return_sequences"] = Integer(),
            ["top_k"] = Integer(),
            ["top_p"] = Number(),
            ["temperature"] = Number(),
            ["repetition_penalty"] = Number(),
            ["past_present_share_buffer"] = Boolean(),
            ["early_stopping"] = Boolean(),
            ["length_penalty"] = Number(),
            ["no_repeat_ngram_size"] = Integer(),
            ["diversity_penalty"] = Number(),
            ["random_seed"] = Integer(),
        }),
    });

    private enum Kind
    {
        Object,
        Text,
        Integer,
        Number,
        Boolean,
        IntegerOrIntegers,
        EmptyArray,
        Decoder,
    }

    /// <summary>
    /// Walks <paramref name="root"/> and calls <paramref name="fail"/> (which throws) with a message naming the first key
    /// that is not allowed or whose value has the wrong kind.
    /// </summary>
    public static void Check(JsonElement root, Action<string> fail)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            fail($"the file holds a JSON {Describe(root.ValueKind)}, not an object.");
            return;
        }

        // The two keys that would load code or choose hardware are looked for everywhere first, so their message wins
        // over any other problem of the file.
        RefuseNativeCodeAndProviders(root, string.Empty, fail);
        Check(root, Root, string.Empty, fail);
    }

    private static void RefuseNativeCodeAndProviders(JsonElement element, string path, Action<string> fail)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                RefuseNativeCodeAndProviders(item, $"{path}[{index++}]", fail);
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                string child = Shorten(path.Length == 0 ? property.Name : path + "." + property.Name);
                if (property.NameEquals(CustomOpsLibraryKey))
                {
                    fail($"{child} is not allowed: a model folder is untrusted and may not name a native library for ONNX Runtime to load (it would run that library's code). Register custom operators in the application instead.");
                }

                if (property.NameEquals(ProviderOptionsKey) && !(property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() == 0))
                {
                    fail($"{child} is {Shorten(property.Value.GetRawText())}, but a model folder may not choose execution providers: they come from PaliGemmaModelOptions.ExecutionProvider. Leave it an empty array.");
                }

                RefuseNativeCodeAndProviders(property.Value, child, fail);
            }
        }
    }

    private static void Check(JsonElement element, Rule rule, string path, Action<string> fail)
    {
        string key = path.Length == 0 ? "the root" : Shorten(path);
        switch (rule.Kind)
        {
            case Kind.Object:
                if (element.ValueKind != JsonValueKind.Object)
                {
                    fail($"{key} must be an object, not a JSON {Describe(element.ValueKind)}.");
                    return;
                }

                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string name = property.Name;
                    string child = path.Length == 0 ? name : path + "." + name;
                    string shown = Shorten(child);
                    if (!seen.Add(name))
                    {
                        fail($"{shown} appears twice; each key may be given once.");
                    }

                    if (rule.Children!.TryGetValue(name, out Rule? childRule))
                    {
                        Check(property.Value, childRule, child, fail);
                    }
                    else
                    {
                        fail($"{shown} is not an allowed key of genai_config.json; this library reads only the keys its converter writes (model, model.decoder, model.decoder.session_options.log_id, search options, …).");
                    }
                }

                return;
            case Kind.Text when element.ValueKind != JsonValueKind.String:
                fail($"{key} must be a string, not a JSON {Describe(element.ValueKind)}.");
                return;
            case Kind.Decoder when element.ValueKind != JsonValueKind.String || !element.ValueEquals("decoder"):
                fail($"{key} must be \"decoder\", not {Shorten(element.GetRawText())}.");
                return;
            case Kind.Integer when !IsInteger(element):
                fail($"{key} must be an integer (32-bit), not {Shorten(element.GetRawText())}.");
                return;
            case Kind.Number when element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out double number) || !double.IsFinite(number):
                fail($"{key} must be a finite number, not {Shorten(element.GetRawText())}.");
                return;
            case Kind.Boolean when element.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
                fail($"{key} must be true or false, not {Shorten(element.GetRawText())}.");
                return;
            case Kind.IntegerOrIntegers when !IsInteger(element)
                && !(element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(IsInteger)):
                fail($"{key} must be an integer or an array of integers, not {Shorten(element.GetRawText())}.");
                return;
            case Kind.EmptyArray when element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != 0:
                fail($"{key} is {Shorten(element.GetRawText())}, but a model folder may not choose execution providers: they come from PaliGemmaModelOptions.ExecutionProvider. Leave it an empty array.");
                return;
            default:
                return;
        }
    }

    private static bool IsInteger(JsonElement element) => element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out _);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Shorten(string raw) => raw.Length <= 60 ? raw : raw[..60] + "…";

    private static Rule Object(Dictionary<string, Rule> children) => new(Kind.Object, children);

    private static Rule Text() => new(Kind.Text);

    private static Rule Integer() => new(Kind.Integer);

    private static Rule Number() => new(Kind.Number);

    private static Rule Boolean() => new(Kind.Boolean);

    private sealed record Rule(Kind Kind, Dictionary<string, Rule>? Children = null);
}
