using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The checks a model folder goes through before ONNX Runtime sees it: <see cref="ModelFolder.Open"/> (manifest
/// parse and validation, file names, file presence) and <see cref="GenAiConfigValidator.Validate"/> (the
/// <c>genai_config.json</c> allow-list and its agreement with the manifest). The input is
/// <c>paligemma.json</c> bytes, a NUL byte, <c>genai_config.json</c> bytes; without a NUL the whole input is the
/// <c>genai_config.json</c> of a fixed valid manifest. The folder holds placeholder graphs and tokenizer files under
/// the default names. Only <see cref="PaliGemmaModelException"/> may escape; an accepted genai_config names no native
/// library and no execution provider, and an accepted manifest's files lie inside the folder.
/// </summary>
internal static class ModelConfigTarget
{
    private static readonly string Folder = CreateFolder();

    /// <summary>The fixed manifest used when the input holds only a genai_config.</summary>
    internal static readonly byte[] ValidManifest = JsonSerializer.SerializeToUtf8Bytes(new PaliGemmaManifest
    {
        ModelId = "fuzz",
        Architecture = PaliGemmaManifest.PaliGemma2Architecture,
        ImageSize = 28,
        PatchSize = 14,
        NumImageTokens = 4,
        TextHiddenSize = 8,
        VocabSize = 1300,
        MaxSequenceLength = 64,
        Precision = PaliGemmaManifest.Float32Precision,
        TokenIds = new PaliGemmaTokenIds { Bos = 2, Eos = 1, Pad = 0, Image = 1200, Newline = 5, LocStart = 10, SegStart = 1034, ExtraStop = [107] },
    }, PaliGemmaManifestJsonContext.Default.PaliGemmaManifest);

    public static void Run(ReadOnlySpan<byte> data)
    {
        int nul = data.IndexOf((byte)0);
        ReadOnlySpan<byte> manifest = nul < 0 ? ValidManifest : data[..nul];
        ReadOnlySpan<byte> genai = nul < 0 ? data : data[(nul + 1)..];
        File.WriteAllBytes(Path.Combine(Folder, PaliGemmaManifest.FileName), manifest.ToArray());
        File.WriteAllBytes(Path.Combine(Folder, ModelFileNames.GenAiConfig), genai.ToArray());
        try
        {
            ModelFolder folder = ModelFolder.Open(Folder);
            foreach (string file in new[] { folder.VisionPath, folder.DecoderPath, folder.TokenizerPath, folder.MaskDecoderPath }.OfType<string>())
            {
                if (!string.Equals(Path.GetDirectoryName(file), Folder, StringComparison.Ordinal))
                {
                    throw new InvariantException($"the manifest named '{file}', outside the model folder");
                }
            }

            GenAiConfigValidator.Validate(folder);
            CheckNoNativeCodeOrProviders(genai);
        }
        catch (PaliGemmaModelException)
        {
        }
    }

    private static void CheckNoNativeCodeOrProviders(ReadOnlySpan<byte> genai)
    {
        using JsonDocument document = JsonDocument.Parse(genai.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        Walk(document.RootElement);

        static void Walk(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Walk(item);
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (property.NameEquals("custom_ops_library") || (property.NameEquals("provider_options") && property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0))
                    {
                        throw new InvariantException($"accepted a genai_config with '{property.Name}': {property.Value.GetRawText()}");
                    }

                    Walk(property.Value);
                }
            }
        }
    }

    private static string CreateFolder()
    {
        string folder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "pg-fuzz-" + Environment.ProcessId, "model");
        Directory.CreateDirectory(folder);
        foreach (string name in new[] { ModelFileNames.Vision, ModelFileNames.Decoder, ModelFileNames.Tokenizer, ModelFileNames.TokenizerConfig, ModelFileNames.MaskDecoder })
        {
            File.WriteAllBytes(Path.Combine(folder, name), [1]);
        }

        return folder;
    }
}
