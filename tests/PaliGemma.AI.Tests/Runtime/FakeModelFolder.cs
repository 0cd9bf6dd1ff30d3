using System.Text;
using System.Text.Json;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// A hand-written model folder whose files are placeholders: enough for the checks that run before any ONNX
/// session is created (manifest, file presence, genai_config.json, decoder graph inputs).
/// </summary>
internal sealed class FakeModelFolder : IDisposable
{
    public FakeModelFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "pg-fake-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        WriteManifest(Manifest);
        WriteGenAiConfig(GenAiConfig());
        File.WriteAllBytes(PathOf("vision.onnx"), OnnxBytes.Model("pixel_values"));
        File.WriteAllBytes(PathOf("decoder.onnx"), OnnxBytes.Model("input_ids", "attention_mask", "image_features"));
        File.WriteAllText(PathOf("tokenizer.json"), "{}");
        File.WriteAllText(PathOf("tokenizer_config.json"), "{}");
    }

    public string Root { get; }

    public static PaliGemmaManifest Manifest { get; } = new()
    {
        ModelId = "fake",
        Architecture = "paligemma",
        ImageSize = 28,
        PatchSize = 14,
        NumImageTokens = 4,
        TextHiddenSize = 8,
        VocabSize = 1300,
        MaxSequenceLength = 64,
        Precision = "fp32",
        TokenIds = new PaliGemmaTokenIds { Image = 1200, Newline = 5, LocStart = 10, SegStart = 1034 },
    };

    public string PathOf(string name) => Path.Combine(Root, name);

    public void WriteManifest(PaliGemmaManifest manifest)
        => File.WriteAllText(PathOf(PaliGemmaManifest.FileName), JsonSerializer.Serialize(manifest, PaliGemmaManifestJsonContext.Default.PaliGemmaManifest));

    public static Dictionary<string, object> GenAiConfig(int vocab = 1300, int hidden = 8, string decoder = "decoder.onnx", object? eos = null) => new()
    {
        ["model"] = new Dictionary<string, object>
        {
            ["type"] = "decoder",
            ["vocab_size"] = vocab,
            ["bos_token_id"] = 2,
            ["pad_token_id"] = 0,
            ["eos_token_id"] = eos ?? new[] { 1 },
            ["context_length"] = 64,
            ["decoder"] = new Dictionary<string, object> { ["filename"] = decoder, ["hidden_size"] = hidden },
        },
        ["search"] = new Dictionary<string, object> { ["max_length"] = 64 },
    };

    public void WriteGenAiConfig(object config)
        => File.WriteAllText(PathOf("genai_config.json"), JsonSerializer.Serialize(config));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Writes minimal ONNX ModelProto bytes (protobuf wire format) declaring graph inputs.</summary>
internal static class OnnxBytes
{
    public static byte[] Model(params string[] inputs) => Model(inputs.Select(i => (i, 1)).ToArray());

    public static byte[] Model((string Name, int ElementType)[] inputs)
    {
        var graph = new List<byte>();
        graph.AddRange(Field(2, Encoding.UTF8.GetBytes("g")));
        graph.AddRange(Field(5, new byte[300])); // a stand-in initializer the reader must seek over
        foreach (var (name, elementType) in inputs)
        {
            byte[] tensorType = [.. Varint(1 << 3), .. Varint((ulong)elementType)];
            byte[] type = Field(1, tensorType);
            byte[] valueInfo = [.. Field(1, Encoding.UTF8.GetBytes(name)), .. Field(2, type)];
            graph.AddRange(Field(11, valueInfo));
        }

        return [.. Varint(1 << 3), .. Varint(8), .. Field(2, Encoding.UTF8.GetBytes("test")), .. Field(7, [.. graph])];
    }

    private static byte[] Field(int number, byte[] payload) => [.. Varint(((ulong)number << 3) | 2), .. Varint((ulong)payload.Length), .. payload];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }
}
