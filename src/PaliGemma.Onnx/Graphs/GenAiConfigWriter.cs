using System.Text.Json;
using PaliGemma.ModelFormat;
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
        using var stream = new FileStream(Path.Combine(folder, ModelFileNames.GenAiConfig), FileMode.Create, FileAccess.Write, FileShare.None);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartObject(GenAiConfigKeys.Model);
        w.WriteString(GenAiConfigKeys.ModelSection.Type, GenAiConfigKeys.DecoderModelType);
        w.WriteNumber(GenAiConfigKeys.ModelSection.BosTokenId, config.BosTokenId);
        if (eosTokenIds.Count == 1)
        {
            w.WriteNumber(GenAiConfigKeys.ModelSection.EosTokenId, eosTokenIds[0]);
        }
        else
        {
            w.WriteStartArray(GenAiConfigKeys.ModelSection.EosTokenId);
            foreach (int id in eosTokenIds)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
        }

        w.WriteNumber(GenAiConfigKeys.ModelSection.PadTokenId, config.PadTokenId);
        w.WriteNumber(GenAiConfigKeys.ModelSection.VocabSize, t.VocabSize);
        w.WriteNumber(GenAiConfigKeys.ModelSection.ContextLength, contextLength);

        w.WriteStartObject(GenAiConfigKeys.ModelSection.Decoder);
        w.WriteStartObject(GenAiConfigKeys.DecoderSection.SessionOptions);
        w.WriteString(GenAiConfigKeys.SessionOptions.LogId, "onnxruntime-genai");
        w.WriteStartArray(GenAiConfigKeys.SessionOptions.ProviderOptions);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString(GenAiConfigKeys.DecoderSection.FileName, ModelFileNames.Decoder);
        w.WriteNumber(GenAiConfigKeys.DecoderSection.HeadSize, t.HeadDim);
        w.WriteNumber(GenAiConfigKeys.DecoderSection.HiddenSize, t.HiddenSize);
        w.WriteNumber(GenAiConfigKeys.DecoderSection.NumAttentionHeads, t.NumAttentionHeads);
        w.WriteNumber(GenAiConfigKeys.DecoderSection.NumKeyValueHeads, t.NumKeyValueHeads);
        w.WriteNumber(GenAiConfigKeys.DecoderSection.NumHiddenLayers, t.NumHiddenLayers);
        w.WriteStartObject(GenAiConfigKeys.DecoderSection.Inputs);
        w.WriteString(GenAiConfigKeys.Inputs.InputIds, DecoderGraphNames.InputIds);
        w.WriteString(GenAiConfigKeys.Inputs.AttentionMask, DecoderGraphNames.AttentionMask);
        w.WriteString(GenAiConfigKeys.Inputs.PositionIds, DecoderGraphNames.PositionIds);
        w.WriteString(GenAiConfigKeys.Inputs.PastKeyNames, DecoderGraphNames.PastKeyTemplate);
        w.WriteString(GenAiConfigKeys.Inputs.PastValueNames, DecoderGraphNames.PastValueTemplate);
        w.WriteEndObject();
        w.WriteStartObject(GenAiConfigKeys.DecoderSection.Outputs);
        w.WriteString(GenAiConfigKeys.Outputs.Logits, DecoderGraphNames.Logits);
        w.WriteString(GenAiConfigKeys.Outputs.PresentKeyNames, DecoderGraphNames.PresentKeyTemplate);
        w.WriteString(GenAiConfigKeys.Outputs.PresentValueNames, DecoderGraphNames.PresentValueTemplate);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject(GenAiConfigKeys.Search);
        w.WriteNumber(GenAiConfigKeys.SearchSection.MaxLength, contextLength);
        w.WriteNumber(GenAiConfigKeys.SearchSection.MinLength, 0);
        w.WriteBoolean(GenAiConfigKeys.SearchSection.DoSample, false);
        w.WriteNumber(GenAiConfigKeys.SearchSection.NumBeams, 1);
        w.WriteNumber(GenAiConfigKeys.SearchSection.NumReturnSequences, 1);
        w.WriteNumber(GenAiConfigKeys.SearchSection.TopK, 1);
        w.WriteNumber(GenAiConfigKeys.SearchSection.TopP, 1.0);
        w.WriteNumber(GenAiConfigKeys.SearchSection.Temperature, 1.0);
        w.WriteNumber(GenAiConfigKeys.SearchSection.RepetitionPenalty, 1.0);
        w.WriteBoolean(GenAiConfigKeys.SearchSection.PastPresentShareBuffer, false);
        w.WriteBoolean(GenAiConfigKeys.SearchSection.EarlyStopping, true);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
