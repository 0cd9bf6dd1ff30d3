using System.Text.Json;
using System.Text.Json.Nodes;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.TransformersJs;

/// <summary>
/// Writes the JSON files transformers.js 4.x reads for a PaliGemma folder: <c>config.json</c> (the checkpoint's, with the
/// resolved text settings its cache naming needs and a <c>transformers.js_config</c>), <c>generation_config.json</c> and
/// <c>preprocessor_config.json</c> (<c>PaliGemmaProcessor</c> + <c>SiglipImageProcessor</c>).
/// </summary>
internal static class TransformersJsConfigWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the three files into <paramref name="folder"/>.</summary>
    public static void Write(string folder, string checkpointConfigPath, PaliGemmaConfig config, PaliGemmaTokenIds ids, int contextLength, ModelPrecision precision)
    {
        Save(Path.Combine(folder, "config.json"), ModelConfig(checkpointConfigPath, config, ids, precision));
        Save(Path.Combine(folder, "generation_config.json"), GenerationConfig(ids, contextLength));
        Save(Path.Combine(folder, "preprocessor_config.json"), PreprocessorConfig(config));
    }

    /// <summary>
    /// The checkpoint's config.json with defaults made explicit: transformers.js names the decoder's cache inputs from
    /// <c>text_config.num_hidden_layers</c> / <c>num_key_value_heads</c> / <c>head_dim</c>, which released PaliGemma 1
    /// configs omit; <c>model_type</c> <c>paligemma</c> selects 1-based position ids.
    /// </summary>
    internal static JsonObject ModelConfig(string checkpointConfigPath, PaliGemmaConfig config, PaliGemmaTokenIds ids, ModelPrecision precision)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(checkpointConfigPath), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new CheckpointException($"Config '{checkpointConfigPath}' must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"Config '{checkpointConfigPath}' is not valid JSON: {ex.Message}", ex);
        }

        GemmaTextConfig t = config.Text;
        root["model_type"] = "paligemma";
        root["architectures"] = new JsonArray("PaliGemmaForConditionalGeneration");
        root["image_token_index"] = config.ImageTokenIndex;
        root["projection_dim"] = config.ProjectionDim;
        root["bos_token_id"] = ids.Bos;
        root["eos_token_id"] = ids.Eos;
        root["pad_token_id"] = ids.Pad;
        var text = root["text_config"] as JsonObject ?? [];
        root["text_config"] = text;
        text["model_type"] = t.ModelType;
        text["hidden_size"] = t.HiddenSize;
        text["intermediate_size"] = t.IntermediateSize;
        text["num_hidden_layers"] = t.NumHiddenLayers;
        text["num_attention_heads"] = t.NumAttentionHeads;
        text["num_key_value_heads"] = t.NumKeyValueHeads;
        text["head_dim"] = t.HeadDim;
        text["vocab_size"] = t.VocabSize;
        text["max_position_embeddings"] = t.MaxPositionEmbeddings;
        var vision = root["vision_config"] as JsonObject ?? [];
        root["vision_config"] = vision;
        vision["image_size"] = config.Vision.ImageSize;
        vision["patch_size"] = config.Vision.PatchSize;
        vision["hidden_size"] = config.Vision.HiddenSize;
        root["transformers.js_config"] = new JsonObject
        {
            ["dtype"] = TransformersJsLayout.DtypeName(precision),
            ["use_external_data_format"] = true,
        };
        return root;
    }

    private static JsonObject GenerationConfig(PaliGemmaTokenIds ids, int contextLength)
    {
        var eos = new JsonArray(ids.Eos);
        foreach (int stop in ids.ExtraStop)
        {
            eos.Add(stop);
        }

        return new JsonObject
        {
            ["bos_token_id"] = ids.Bos,
            ["eos_token_id"] = eos,
            ["pad_token_id"] = ids.Pad,
            ["max_length"] = contextLength,
            ["do_sample"] = false,
        };
    }

    /// <summary>HF's SigLIP preprocessing: resize to S×S ignoring aspect ratio with bicubic (3), × 1/255, mean = std = 0.5.</summary>
    private static JsonObject PreprocessorConfig(PaliGemmaConfig config) => new()
    {
        ["processor_class"] = "PaliGemmaProcessor",
        ["image_processor_type"] = "SiglipImageProcessor",
        ["do_convert_rgb"] = true,
        ["do_resize"] = true,
        ["size"] = new JsonObject { ["height"] = config.Vision.ImageSize, ["width"] = config.Vision.ImageSize },
        ["resample"] = 3,
        ["do_rescale"] = true,
        ["rescale_factor"] = 1.0 / 255.0,
        ["do_normalize"] = true,
        ["image_mean"] = new JsonArray(0.5, 0.5, 0.5),
        ["image_std"] = new JsonArray(0.5, 0.5, 0.5),
        ["image_seq_length"] = config.Vision.NumPatches,
    };

    private static void Save(string path, JsonObject node) => File.WriteAllText(path, node.ToJsonString(Indented));
}
