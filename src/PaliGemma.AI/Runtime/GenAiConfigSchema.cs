using System.Text.Json;
using PaliGemma.ModelFormat;

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
    private static readonly Rule Root = Object(new()
    {
        [GenAiConfigKeys.Model] = Object(new()
        {
            [GenAiConfigKeys.ModelSection.Type] = new Rule(Kind.Decoder),
            [GenAiConfigKeys.ModelSection.BosTokenId] = Integer(),
            [GenAiConfigKeys.ModelSection.EosTokenId] = new Rule(Kind.IntegerOrIntegers),
            [GenAiConfigKeys.ModelSection.PadTokenId] = Integer(),
            [GenAiConfigKeys.ModelSection.VocabSize] = Integer(),
            [GenAiConfigKeys.ModelSection.ContextLength] = Integer(),
            [GenAiConfigKeys.ModelSection.Decoder] = Object(new()
            {
                [GenAiConfigKeys.DecoderSection.SessionOptions] = Object(new()
                {
                    [GenAiConfigKeys.SessionOptions.LogId] = Text(),
                    [GenAiConfigKeys.SessionOptions.ProviderOptions] = new Rule(Kind.EmptyArray),
                }),
                [GenAiConfigKeys.DecoderSection.FileName] = Text(),
                [GenAiConfigKeys.DecoderSection.HeadSize] = Integer(),
                [GenAiConfigKeys.DecoderSection.HiddenSize] = Integer(),
                [GenAiConfigKeys.DecoderSection.NumAttentionHeads] = Integer(),
                [GenAiConfigKeys.DecoderSection.NumKeyValueHeads] = Integer(),
                [GenAiConfigKeys.DecoderSection.NumHiddenLayers] = Integer(),
                [GenAiConfigKeys.DecoderSection.Inputs] = Object(new()
                {
                    [GenAiConfigKeys.Inputs.InputIds] = Text(),
                    [GenAiConfigKeys.Inputs.AttentionMask] = Text(),
                    [GenAiConfigKeys.Inputs.PositionIds] = Text(),
                    [GenAiConfigKeys.Inputs.PastKeyNames] = Text(),
                    [GenAiConfigKeys.Inputs.PastValueNames] = Text(),
                }),
                [GenAiConfigKeys.DecoderSection.Outputs] = Object(new()
                {
                    [GenAiConfigKeys.Outputs.Logits] = Text(),
                    [GenAiConfigKeys.Outputs.PresentKeyNames] = Text(),
                    [GenAiConfigKeys.Outputs.PresentValueNames] = Text(),
                }),
            }),
        }),
        [GenAiConfigKeys.Search] = Object(new()
        {
            [GenAiConfigKeys.SearchSection.MaxLength] = Integer(),
            [GenAiConfigKeys.SearchSection.MinLength] = Integer(),
            [GenAiConfigKeys.SearchSection.DoSample] = Boolean(),
            [GenAiConfigKeys.SearchSection.NumBeams] = Integer(),
            [GenAiConfigKeys.SearchSection.NumReturnSequences] = Integer(),
            [GenAiConfigKeys.SearchSection.TopK] = Integer(),
            [GenAiConfigKeys.SearchSection.TopP] = Number(),
            [GenAiConfigKeys.SearchSection.Temperature] = Number(),
            [GenAiConfigKeys.SearchSection.RepetitionPenalty] = Number(),
            [GenAiConfigKeys.SearchSection.PastPresentShareBuffer] = Boolean(),
            [GenAiConfigKeys.SearchSection.EarlyStopping] = Boolean(),
            [GenAiConfigKeys.SearchSection.LengthPenalty] = Number(),
            [GenAiConfigKeys.SearchSection.NoRepeatNgramSize] = Integer(),
            [GenAiConfigKeys.SearchSection.DiversityPenalty] = Number(),
            [GenAiConfigKeys.SearchSection.RandomSeed] = Integer(),
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
                if (property.NameEquals(GenAiConfigKeys.CustomOpsLibrary))
                {
                    fail($"{child} is not allowed: a model folder is untrusted and may not name a native library for ONNX Runtime to load (it would run that library's code). Register custom operators in the application instead.");
                }

                if (property.NameEquals(GenAiConfigKeys.SessionOptions.ProviderOptions) && !(property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() == 0))
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
            case Kind.Decoder when element.ValueKind != JsonValueKind.String || !element.ValueEquals(GenAiConfigKeys.DecoderModelType):
                fail($"{key} must be \"{GenAiConfigKeys.DecoderModelType}\", not {Shorten(element.GetRawText())}.");
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
