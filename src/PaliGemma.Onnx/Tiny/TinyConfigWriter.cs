using System.Text.Json;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tiny;

/// <summary>Writes a Hugging Face PaliGemma <c>config.json</c> for a tiny model, in the shape released checkpoints use.</summary>
internal static class TinyConfigWriter
{
    public static void Write(string path, PaliGemmaConfig config, TinyModelOptions options)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        GemmaTextConfig t = config.Text;
        SiglipVisionConfig v = config.Vision;
        json.WriteStartObject();
        json.WriteStartArray("architectures");
        json.WriteStringValue("PaliGemmaForConditionalGeneration");
        json.WriteEndArray();
        json.WriteNumber("bos_token_id", config.BosTokenId);
        json.WriteNumber("eos_token_id", config.EosTokenId);

        // Released PaliGemma 2 configs carry a stale top-level hidden_size of 2048; readers must use text_config.
        json.WriteNumber("hidden_size", 2048);
        json.WriteNumber("image_token_index", config.ImageTokenIndex);
        json.WriteString("model_type", "paligemma");
        json.WriteNumber("pad_token_id", config.PadTokenId);
        json.WriteNumber("projection_dim", config.ProjectionDim);

        json.WriteStartObject("text_config");
        json.WriteNumber("head_dim", t.HeadDim);
        json.WriteString("hidden_activation", "gelu_pytorch_tanh");
        json.WriteNumber("hidden_size", t.HiddenSize);
        json.WriteNumber("intermediate_size", t.IntermediateSize);
        json.WriteString("model_type", t.ModelType);
        json.WriteNumber("num_attention_heads", t.NumAttentionHeads);
        json.WriteNumber("num_hidden_layers", t.NumHiddenLayers);
        json.WriteNumber("num_image_tokens", v.NumPatches);
        json.WriteNumber("num_key_value_heads", t.NumKeyValueHeads);
        if (t.IsGemma2)
        {
            json.WriteNumber("attn_logit_softcapping", t.AttnLogitSoftcapping ?? 50f);
            json.WriteString("cache_implementation", "hybrid");
            json.WriteNumber("final_logit_softcapping", t.FinalLogitSoftcapping ?? 30f);
            json.WriteNumber("query_pre_attn_scalar", t.QueryPreAttnScalar);
            json.WriteNumber("sliding_window", t.SlidingWindow ?? 4096);
        }

        json.WriteNumber("vocab_size", t.VocabSize);
        json.WriteEndObject();

        json.WriteString("torch_dtype", options.DataType switch
        {
            TensorDataType.BFloat16 => "bfloat16",
            TensorDataType.Float16 => "float16",
            _ => "float32",
        });

        json.WriteStartObject("vision_config");
        json.WriteNumber("hidden_size", v.HiddenSize);
        json.WriteNumber("image_size", v.ImageSize);
        json.WriteNumber("intermediate_size", v.IntermediateSize);
        json.WriteString("model_type", "siglip_vision_model");
        json.WriteNumber("num_attention_heads", v.NumAttentionHeads);
        json.WriteNumber("num_hidden_layers", v.NumHiddenLayers);
        json.WriteNumber("num_image_tokens", v.NumPatches);
        json.WriteNumber("patch_size", v.PatchSize);
        json.WriteNumber("projection_dim", config.ProjectionDim);
        json.WriteString("projector_hidden_act", "gelu_fast");
        json.WriteBoolean("vision_use_head", false);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
