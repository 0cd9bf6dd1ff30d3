using System.Text.Json;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Graphs;

/// <summary>
/// Writes <c>genai_config.json</c> for ONNX Runtime GenAI 0.18–0.20 (tested on 0.20.0): a <c>"decoder"</c> model over
/// <c>decoder.onnx</c> with the input/output names of <see cref="DecoderGraphExporter"/>, CPU provider
/// (empty <c>provider_options</c>), greedy search defaults and <c>past_present_share_buffer: false</c>.
/// It deliberately writes no <c>sliding_window</c> (the window lives in the graph) and no <c>chunk_size</c>
/// (the prompt must be fed in one step for PaliGemma's prefix attention to hold).
/// The extra graph input <c>image_features</c> is not listed; the runtime binds it with <c>SetModelInput</c>.
/// </summary>
public static class GenAiConfigWriter
{
    /// <summary>The file name ONNX Runtime GenAI reads.</summary>
    public const string FileName = "genai_config.json";

    /// <summary>The decoder graph file name referenced by the config.</summary>
    public const string DecoderFileName = "decoder.onnx";

    /// <summary>Id of Gemma's <c>&lt;end_of_turn&gt;</c>, an extra stop token of PaliGemma 2.</summary>
    public const int EndOfTurnTokenId = 107;

    /// <summary>
    /// The stop tokens to use for a configuration: the configured eos, plus <c>&lt;end_of_turn&gt;</c> (107) for
    /// PaliGemma 2 when the vocabulary contains it.
    /// </summary>
    public static IReadOnlyList<int> DefaultEosTokenIds(PaliGemmaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ids = new List<int> { config.EosTokenId };
        if (config.Generation == 2 && EndOfTurnTokenId < config.Text.VocabSize && !ids.Contains(EndOfTurnTokenId))
        {
            ids.Add(EndOfTurnTokenId);
        }

        return ids;
    }

    /// <summary>Writes <c>genai_config.json</c> into <paramref name="folder"/>.</summary>
    /// <param name="config">The model configuration.</param>
    /// <param name="folder">The model folder (created when missing).</param>
    /// <param name="contextLength">Maximum total tokens (prompt + generated); also the default <c>max_length</c>.</param>
    /// <param name="eosTokenIds">Token ids that end generation (at least one, each inside the vocabulary).</param>
    public static void Write(PaliGemmaConfig config, string folder, int contextLength, IReadOnlyList<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        GemmaTextConfig t = config.Text;
        if (contextLength <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "The context length must be positive.");
        }

        if (eosTokenIds.Count == 0)
        {
            throw new ArgumentException("At least one end-of-sequence token id is required.", nameof(eosTokenIds));
        }

        foreach (int id in eosTokenIds)
        {
            if (id < 0 || id >= t.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(eosTokenIds), id, $"End-of-sequence token id {id} is outside the vocabulary (size {t.VocabSize}).");
            }
        }

        Directory.CreateDirectory(folder);
        using var stream = new FileStream(Path.Combine(folder, FileName), FileMode.Create, FileAccess.Write, FileShare.None);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject("model");
        w.WriteString("type", "decoder");
        w.WriteNumber("bos_token_id", config.BosTokenId);
        if (eosTokenIds.Count == 1)
        {
            w.WriteNumber("eos_token_id", eosTokenIds[0]);
        }
        else
        {
            w.WriteStartArray("eos_token_id");
            foreach (int id in eosTokenIds)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
        }

        w.WriteNumber("pad_token_id", config.PadTokenId);
        w.WriteNumber("vocab_size", t.VocabSize);
        w.WriteNumber("context_length", contextLength);

        w.WriteStartObject("decoder");
        w.WriteStartObject("session_options");
        w.WriteString("log_id", "onnxruntime-genai");
        w.WriteStartArray("provider_options");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString("filename", DecoderFileName);
        w.WriteNumber("head_size", t.HeadDim);
        w.WriteNumber("hidden_size", t.HiddenSize);
        w.WriteNumber("num_attention_heads", t.NumAttentionHeads);
        w.WriteNumber("num_key_value_heads", t.NumKeyValueHeads);
        w.WriteNumber("num_hidden_layers", t.NumHiddenLayers);
        w.WriteStartObject("inputs");
        w.WriteString("input_ids", DecoderGraphExporter.InputIds);
        w.WriteString("attention_mask", DecoderGraphExporter.AttentionMask);
        w.WriteString("position_ids", DecoderGraphExporter.PositionIds);
        w.WriteString("past_key_names", DecoderGraphExporter.PastKeyTemplate);
        w.WriteString("past_value_names", DecoderGraphExporter.PastValueTemplate);
        w.WriteEndObject();
        w.WriteStartObject("outputs");
        w.WriteString("logits", DecoderGraphExporter.Logits);
        w.WriteString("present_key_names", DecoderGraphExporter.PresentKeyTemplate);
        w.WriteString("present_value_names", DecoderGraphExporter.PresentValueTemplate);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("search");
        w.WriteNumber("max_length", contextLength);
        w.WriteNumber("min_length", 0);
        w.WriteBoolean("do_sample", false);
        w.WriteNumber("num_beams", 1);
        w.WriteNumber("num_return_sequences", 1);
        w.WriteNumber("top_k", 1);
        w.WriteNumber("top_p", 1.0);
        w.WriteNumber("temperature", 1.0);
        w.WriteNumber("repetition_penalty", 1.0);
        w.WriteBoolean("past_present_share_buffer", false);
        w.WriteBoolean("early_stopping", true);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
