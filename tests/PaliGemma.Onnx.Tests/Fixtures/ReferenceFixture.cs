using System.Runtime.InteropServices;
using System.Text.Json;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tests.Fixtures;

/// <summary>One case of tests/Fixtures/reference (see its README): config, checkpoint path, prompt and expected arrays.</summary>
internal sealed class ReferenceFixture
{
    private readonly JsonElement _case;
    private readonly byte[] _arrays;

    private ReferenceFixture(string folder)
    {
        Folder = folder;
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "case.json"))))
        {
            _case = doc.RootElement.Clone();
        }

        _arrays = File.ReadAllBytes(Path.Combine(folder, "arrays.bin"));
        Config = ReadConfig(Path.Combine(folder, "model", "config.json"), _case.GetProperty("image_size").GetInt32());
    }

    public string Folder { get; }

    public PaliGemmaConfig Config { get; }

    public string CheckpointPath => Path.Combine(Folder, "model", "model.safetensors");

    public JsonElement Case => _case;

    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "Fixtures", "reference");
                if (File.Exists(Path.Combine(candidate, "cases.json")))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("tests/Fixtures/reference not found above " + AppContext.BaseDirectory);
        }
    }

    public static IEnumerable<string> CaseNames()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    public static ReferenceFixture Load(string name) => new(Path.Combine(Root, name));

    public int[] Ints(string key) => _case.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public float[] Floats(string array) => MemoryMarshal.Cast<byte, float>(Slice(array)).ToArray();

    public int[] IntArray(string array) => MemoryMarshal.Cast<byte, int>(Slice(array)).ToArray();

    public bool Has(string array) => _case.GetProperty("arrays").TryGetProperty(array, out _);

    /// <summary>pixel_values from pixels_u8 with the README's bit-exact formula (CHW, batch 1).</summary>
    public float[] PixelValues()
    {
        byte[] hwc = Slice("pixels_u8").ToArray();
        int s = _case.GetProperty("image_size").GetInt32();
        var chw = new float[3 * s * s];
        for (int y = 0; y < s; y++)
        {
            for (int x = 0; x < s; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    float v = (float)(hwc[(((y * s) + x) * 3) + c] * (1.0 / 255.0));
                    chw[(c * s * s) + (y * s) + x] = (v - 0.5f) / 0.5f;
                }
            }
        }

        return chw;
    }

    private ReadOnlySpan<byte> Slice(string array)
    {
        JsonElement a = _case.GetProperty("arrays").GetProperty(array);
        return _arrays.AsSpan(a.GetProperty("offset").GetInt32(), a.GetProperty("nbytes").GetInt32());
    }

    /// <summary>Test-side mapping of an HF PaliGemma config.json with HF defaults (the product parser is in the tooling).</summary>
    private static PaliGemmaConfig ReadConfig(string path, int imageSize)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement, text = root.GetProperty("text_config"), vision = root.GetProperty("vision_config");
        int I(JsonElement e, string k, int d) => e.TryGetProperty(k, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : d;
        float F(JsonElement e, string k, float d) => e.TryGetProperty(k, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetSingle() : d;
        float? N(JsonElement e, string k, float? d) => e.TryGetProperty(k, out JsonElement v) ? (v.ValueKind == JsonValueKind.Number ? v.GetSingle() : null) : d;
        string type = text.GetProperty("model_type").GetString()!;
        bool g2 = type == "gemma2";
        int heads = I(text, "num_attention_heads", 8);
        int headDim = I(text, "head_dim", 256);
        return new PaliGemmaConfig
        {
            Vision = new SiglipVisionConfig
            {
                HiddenSize = I(vision, "hidden_size", 1152),
                IntermediateSize = I(vision, "intermediate_size", 4304),
                NumHiddenLayers = I(vision, "num_hidden_layers", 27),
                NumAttentionHeads = I(vision, "num_attention_heads", 16),
                PatchSize = I(vision, "patch_size", 14),
                ImageSize = imageSize,
                LayerNormEps = F(vision, "layer_norm_eps", 1e-6f),
            },
            Text = new GemmaTextConfig
            {
                ModelType = type,
                HiddenSize = I(text, "hidden_size", 2048),
                IntermediateSize = I(text, "intermediate_size", 16384),
                NumHiddenLayers = I(text, "num_hidden_layers", 18),
                NumAttentionHeads = heads,
                NumKeyValueHeads = I(text, "num_key_value_heads", heads),
                HeadDim = headDim,
                VocabSize = I(text, "vocab_size", I(root, "vocab_size", 257216)),
                RmsNormEps = F(text, "rms_norm_eps", 1e-6f),
                RopeTheta = F(text, "rope_theta", 10000f),
                QueryPreAttnScalar = g2 ? F(text, "query_pre_attn_scalar", 256f) : headDim,
                AttnLogitSoftcapping = g2 ? N(text, "attn_logit_softcapping", 50f) : null,
                FinalLogitSoftcapping = g2 ? N(text, "final_logit_softcapping", 30f) : null,
                SlidingWindow = g2 ? I(text, "sliding_window", 4096) : null,
            },
            ImageTokenIndex = I(root, "image_token_index", 257152),
            ProjectionDim = I(vision, "projection_dim", I(root, "projection_dim", 2048)),
            PadTokenId = I(root, "pad_token_id", 0),
            EosTokenId = I(root, "eos_token_id", 1),
            BosTokenId = I(root, "bos_token_id", 2),
        };
    }
}
