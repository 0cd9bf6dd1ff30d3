using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tests.Configuration;

/// <summary>
/// Expected defaults are the values in transformers' <c>models/gemma/configuration_gemma.py</c>,
/// <c>models/gemma2/configuration_gemma2.py</c>, <c>models/siglip/configuration_siglip.py</c> (SiglipVisionConfig)
/// and <c>models/paligemma/configuration_paligemma.py</c>, read on transformers main.
/// </summary>
public sealed class PaliGemmaConfigReaderTests
{
    // The shape of google/paligemma-3b-pt-224's config.json (keys at their defaults are omitted, as HF saves them).
    private const string PaliGemma1Config = """
        {
          "architectures": ["PaliGemmaForConditionalGeneration"],
          "bos_token_id": 2, "eos_token_id": 1, "hidden_size": 2048, "ignore_index": -100,
          "image_token_index": 257152, "model_type": "paligemma", "pad_token_id": 0, "projection_dim": 2048,
          "text_config": {
            "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2048, "intermediate_size": 16384,
            "model_type": "gemma", "num_attention_heads": 8, "num_hidden_layers": 18, "num_image_tokens": 256,
            "num_key_value_heads": 1, "torch_dtype": "float32", "vocab_size": 257216
          },
          "torch_dtype": "float32",
          "vision_config": {
            "hidden_size": 1152, "intermediate_size": 4304, "model_type": "siglip_vision_model",
            "num_attention_heads": 16, "num_hidden_layers": 27, "num_image_tokens": 256, "patch_size": 14,
            "projection_dim": 2048, "projector_hidden_act": "gelu_fast", "vision_use_head": false
          }
        }
        """;

    // PaliGemma 2 3B at 448 px, minimal: the Gemma 2 keys left at their defaults are omitted; the top-level
    // hidden_size is the stale 2048 released PG2 configs carry.
    private const string PaliGemma2Config = """
        {
          "model_type": "paligemma", "hidden_size": 2048, "image_token_index": 257152, "projection_dim": 2304,
          "text_config": {
            "model_type": "gemma2", "hidden_size": 2304, "intermediate_size": 9216, "num_attention_heads": 8,
            "num_hidden_layers": 26, "num_key_value_heads": 4, "vocab_size": 257216
          },
          "vision_config": {
            "hidden_size": 1152, "intermediate_size": 4304, "model_type": "siglip_vision_model", "image_size": 448,
            "num_attention_heads": 16, "num_hidden_layers": 27, "patch_size": 14
          }
        }
        """;

    private static PaliGemmaConfig ReadText(TempFolder folder, string json)
    {
        string path = folder.File("config.json");
        File.WriteAllText(path, json);
        return PaliGemmaConfigReader.Read(path);
    }

    private static CheckpointException Fails(TempFolder folder, string json)
        => Assert.Throws<CheckpointException>(() => ReadText(folder, json));

    [Fact]
    public void PaliGemma1_config_gets_gemma_defaults()
    {
        using var folder = new TempFolder();
        PaliGemmaConfig c = ReadText(folder, PaliGemma1Config);

        Assert.Equal(1, c.Generation);
        Assert.Equal(new SiglipVisionConfig { HiddenSize = 1152, IntermediateSize = 4304, NumHiddenLayers = 27, NumAttentionHeads = 16, PatchSize = 14, ImageSize = 224, NumChannels = 3, LayerNormEps = 1e-6f }, c.Vision);
        Assert.Equal(256, c.Vision.NumPatches);
        Assert.Equal("gemma", c.Text.ModelType);
        Assert.Equal((2048, 16384, 18, 8, 1), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.NumHiddenLayers, c.Text.NumAttentionHeads, c.Text.NumKeyValueHeads));
        Assert.Equal(256, c.Text.HeadDim); // GemmaConfig head_dim = 256
        Assert.Equal(257216, c.Text.VocabSize);
        Assert.Equal(8192, c.Text.MaxPositionEmbeddings); // max_position_embeddings = 8192
        Assert.Equal(1e-6f, c.Text.RmsNormEps);
        Assert.Equal(10000f, c.Text.RopeTheta);
        Assert.Equal(256f, c.Text.QueryPreAttnScalar); // Gemma 1 scales by head_dim^-0.5
        Assert.Null(c.Text.AttnLogitSoftcapping);
        Assert.Null(c.Text.FinalLogitSoftcapping);
        Assert.Null(c.Text.SlidingWindow);
        Assert.Equal((257152, 2048, 0, 1, 2), (c.ImageTokenIndex, c.ProjectionDim, c.PadTokenId, c.EosTokenId, c.BosTokenId));
    }

    [Fact]
    public void PaliGemma2_config_gets_gemma2_defaults_and_ignores_the_stale_top_level_hidden_size()
    {
        using var folder = new TempFolder();
        PaliGemmaConfig c = ReadText(folder, PaliGemma2Config);

        Assert.Equal(2, c.Generation);
        Assert.Equal(2304, c.Text.HiddenSize);
        Assert.Equal(2304, c.ProjectionDim);
        Assert.Equal(256, c.Text.HeadDim);
        Assert.Equal(256f, c.Text.QueryPreAttnScalar);
        Assert.Equal(50f, c.Text.AttnLogitSoftcapping);
        Assert.Equal(30f, c.Text.FinalLogitSoftcapping);
        Assert.Equal(4096, c.Text.SlidingWindow);
        Assert.Equal(448, c.Vision.ImageSize);
        Assert.Equal(1024, c.Vision.NumPatches);
        Assert.Equal(1e-6f, c.Vision.LayerNormEps);
    }

    [Fact]
    public void Explicit_nulls_turn_gemma2_features_off()
    {
        using var folder = new TempFolder();
        PaliGemmaConfig c = ReadText(folder, PaliGemma2Config.Replace("\"model_type\": \"gemma2\",", "\"model_type\": \"gemma2\", \"sliding_window\": null, \"attn_logit_softcapping\": null, \"query_pre_attn_scalar\": 144,", StringComparison.Ordinal));
        Assert.Null(c.Text.SlidingWindow);
        Assert.Null(c.Text.AttnLogitSoftcapping);
        Assert.Equal(30f, c.Text.FinalLogitSoftcapping);
        Assert.Equal(144f, c.Text.QueryPreAttnScalar);
    }

    [Fact]
    public void Absent_sub_configs_get_paligemma_defaults()
    {
        using var folder = new TempFolder();
        PaliGemmaConfig c = ReadText(folder, "{\"model_type\": \"paligemma\"}");

        // PaliGemmaConfig builds SigLIP with intermediate_size 4096 (sic) and Gemma 2B, vocab 257152, image token 256000.
        Assert.Equal((1152, 4096, 27, 16, 14, 224), (c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.NumHiddenLayers, c.Vision.NumAttentionHeads, c.Vision.PatchSize, c.Vision.ImageSize));
        Assert.Equal((2048, 16384, 18, 8, 1, 257152), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.NumHiddenLayers, c.Text.NumAttentionHeads, c.Text.NumKeyValueHeads, c.Text.VocabSize));
        Assert.Equal(256000, c.ImageTokenIndex);
        Assert.Equal(2048, c.ProjectionDim);
    }

    [Fact]
    public void Sparse_sub_configs_get_gemma_and_siglip_class_defaults()
    {
        using var folder = new TempFolder();
        PaliGemmaConfig c = ReadText(folder, "{\"model_type\": \"paligemma\", \"projection_dim\": 3072, \"image_token_id\": 7, \"text_config\": {}, \"vision_config\": {}}");

        // GemmaConfig: 3072 / 24576 / 28 layers / 16 heads / 16 kv heads / vocab 256000.
        Assert.Equal((3072, 24576, 28, 16, 16, 256000), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.NumHiddenLayers, c.Text.NumAttentionHeads, c.Text.NumKeyValueHeads, c.Text.VocabSize));

        // SiglipVisionConfig: 768 / 3072 / 12 layers / 12 heads / patch 16 / 224 px.
        Assert.Equal((768, 3072, 12, 12, 16, 224), (c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.NumHiddenLayers, c.Vision.NumAttentionHeads, c.Vision.PatchSize, c.Vision.ImageSize));
        Assert.Equal(7, c.ImageTokenIndex);
    }

    [Fact]
    public void Gemma2_class_defaults_apply_to_an_empty_gemma2_text_config()
    {
        using var folder = new TempFolder();
        PaliGemmaConfig c = ReadText(folder, "{\"model_type\": \"paligemma\", \"projection_dim\": 2304, \"image_token_index\": 5, \"text_config\": {\"model_type\": \"gemma2\"}}");

        // Gemma2Config: 2304 / 9216 / 26 layers / 8 heads / 4 kv heads / head_dim 256.
        Assert.Equal((2304, 9216, 26, 8, 4, 256), (c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.NumHiddenLayers, c.Text.NumAttentionHeads, c.Text.NumKeyValueHeads, c.Text.HeadDim));
    }

    [Fact]
    public void Missing_file_is_named()
    {
        using var folder = new TempFolder();
        var ex = Assert.Throws<CheckpointException>(() => PaliGemmaConfigReader.Read(folder.File("config.json")));
        Assert.Contains(folder.File("config.json"), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model_type\": \"llava\"}", "'model_type'")]
    [InlineData("{\"hidden_size\": 3}", "'model_type'")]
    [InlineData("{\"model_type\": \"paligemma\", \"text_config\": {\"model_type\": \"llama\"}}", "'text_config.model_type'")]
    [InlineData("{\"model_type\": \"paligemma\", \"vision_config\": {\"model_type\": \"clip_vision_model\"}}", "'vision_config.model_type'")]
    [InlineData("{\"model_type\": \"paligemma\", \"projection_dim\": 1000}", "'projection_dim'")]
    [InlineData("{\"model_type\": \"paligemma\", \"vision_config\": {\"image_size\": 100, \"patch_size\": 14}}", "'vision_config.image_size'")]
    [InlineData("{\"model_type\": \"paligemma\", \"text_config\": {\"hidden_size\": \"big\"}}", "'text_config.hidden_size'")]
    [InlineData("{\"model_type\": \"paligemma\", \"text_config\": {\"num_hidden_layers\": 0}}", "'text_config.num_hidden_layers'")]
    [InlineData("{\"model_type\": \"paligemma\", \"text_config\": {\"num_attention_heads\": 8, \"num_key_value_heads\": 3}}", "'text_config.num_key_value_heads'")]
    [InlineData("{\"model_type\": \"paligemma\", \"image_token_index\": 999999}", "'image_token_index'")]
    [InlineData("{\"model_type\": \"paligemma\", \"text_config\": 5}", "'text_config'")]
    public void Inconsistent_values_name_the_file_and_key(string json, string key)
    {
        using var folder = new TempFolder();
        var ex = Fails(folder, json);
        Assert.Contains(folder.File("config.json"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_reported()
    {
        using var folder = new TempFolder();
        Assert.Contains("not valid JSON", Fails(folder, "{\"model_type\": ").Message, StringComparison.Ordinal);
    }
}
