using System.Globalization;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.GraphBuilding;
using PaliGemma.Onnx.Quantization;
using N = PaliGemma.Onnx.Checkpoints.PaliGemmaTensorNames;

namespace PaliGemma.Onnx.Graphs;

/// <summary>
/// Writes <c>decoder.onnx</c>: the Gemma / Gemma 2 decoder of PaliGemma as an ONNX Runtime GenAI
/// <c>"decoder"</c> model with an extra <c>image_features</c> input merged at <c>&lt;image&gt;</c> positions.
/// </summary>
/// <remarks>
/// Inputs: <c>input_ids</c> int64 [batch, seq], <c>attention_mask</c> int64 [batch, total_seq],
/// <c>position_ids</c> int64 [batch, seq] (0-based; the graph adds 1 as HF does),
/// <c>past_key_values.{i}.key/value</c> float32 [batch, kv_heads, past_seq, head_dim],
/// <c>image_features</c> float32 [image_rows, hidden] (may have 0 rows).
/// Outputs: <c>logits</c> float32 [batch, seq, vocab], <c>present.{i}.key/value</c> (past ++ new).
/// Attention uses only the padding mask (no causal mask): the runtime feeds the whole prompt in one step and then
/// one token per step, which reproduces PaliGemma's prefix-LM attention exactly. Gemma 2's sliding window is
/// applied in the graph on even layers (see <see cref="SlidingWindowMode"/>).
/// The transformers.js layout's <c>decoder_model_merged</c> is the same graph over <c>inputs_embeds</c> [batch, seq, hidden]
/// (already merged and scaled) with HF's 1-based <c>position_ids</c> used as given and an int64 scalar
/// <c>num_logits_to_keep</c> (k &gt; 0: logits of the last k positions; 0: all) in place of <c>input_ids</c>,
/// <c>image_features</c> and the static last-position choice.
/// </remarks>
public static class DecoderGraphExporter
{
    /// <summary>The embedded sequence input of the transformers.js layout's decoder (replaces <c>input_ids</c> and <c>image_features</c>).</summary>
    public const string InputsEmbeds = "inputs_embeds";

    /// <summary>The transformers.js layout's int64 scalar input: logits for the last k positions, or every position when 0.</summary>
    public const string NumLogitsToKeep = "num_logits_to_keep";

    /// <summary>Exports the decoder graph to <paramref name="onnxPath"/> (weights in <c>onnxPath + ".data"</c>).</summary>
    /// <param name="config">The model configuration.</param>
    /// <param name="weights">The checkpoint, streamed one tensor at a time.</param>
    /// <param name="onnxPath">Where to write the graph.</param>
    /// <param name="precision">Weight precision.</param>
    /// <param name="progress">Optional progress sink.</param>
    public static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, IProgress<ExportProgress>? progress = null) =>
        Export(config, weights, onnxPath, precision, new DecoderExportOptions(), progress);

    /// <summary>Exports the decoder graph with extra <paramref name="options"/>.</summary>
    /// <param name="config">The model configuration.</param>
    /// <param name="weights">The checkpoint, streamed one tensor at a time.</param>
    /// <param name="onnxPath">Where to write the graph.</param>
    /// <param name="precision">Weight precision.</param>
    /// <param name="options">Graph variants.</param>
    /// <param name="progress">Optional progress sink.</param>
    public static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress = null) =>
        Export(config, weights, onnxPath, OnnxGraphBuilder.DefaultDataPath(onnxPath), precision, options, progress);

    /// <summary>Exports the decoder graph with its weights in <paramref name="dataPath"/> (same folder as the graph).</summary>
    internal static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, string dataPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.SlidingWindowMode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SlidingWindowMode, "Unknown sliding window mode.");
        }

        ExportGuard.Arguments(config, weights, onnxPath, precision);
        ExportGuard.Atomically(onnxPath, dataPath, () => ExportCore(config, weights, onnxPath, dataPath, precision, options, progress));
    }

    private static void ExportCore(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, string dataPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress)
    {
        GemmaTextConfig t = config.Text;
        Validate(config);
        bool untied = weights.Contains(N.LmHead);
        bool embedsIn = options.InputsEmbeds;

        using var b = new OnnxGraphBuilder("paligemma_decoder", onnxPath, dataPath);
        Int4QuantizationOptions? int4 = precision == ModelPrecision.Int4 ? options.Int4 ?? new Int4QuantizationOptions() : null;
        bool quantizedHead = int4 is { QuantizeLmHead: true };

        // The decoder reads the embedding table for its own Gather, or (inputs_embeds graphs) only as the tied head.
        bool table = !embedsIn || (!untied && !quantizedHead);
        var loader = new WeightLoader(weights, b, precision, progress, "decoder", N.TextTensors(config).Count + (untied || quantizedHead ? 1 : 0) - (table ? 0 : 1), int4);
        var nn = new NeuralOps(b, loader.Half);
        long h = t.HiddenSize;

        string embeddingsIn = embedsIn
            ? b.Input(InputsEmbeds, ElementType.Float, "batch_size", "sequence_length", h)
            : b.Input(DecoderGraphNames.InputIds, ElementType.Int64, "batch_size", "sequence_length");
        string mask = b.Input(DecoderGraphNames.AttentionMask, ElementType.Int64, "batch_size", "total_sequence_length");
        string positions = b.Input(DecoderGraphNames.PositionIds, ElementType.Int64, "batch_size", "sequence_length");
        var past = new (string Key, string Value)[t.NumHiddenLayers];
        for (int i = 0; i < t.NumHiddenLayers; i++)
        {
            past[i] = (
                b.Input(Layer(DecoderGraphNames.PastKeyTemplate, i), ElementType.Float, "batch_size", t.NumKeyValueHeads, "past_sequence_length", t.HeadDim),
                b.Input(Layer(DecoderGraphNames.PastValueTemplate, i), ElementType.Float, "batch_size", t.NumKeyValueHeads, "past_sequence_length", t.HeadDim));
        }

        string? features = embedsIn ? null : b.Input(DecoderGraphNames.ImageFeatures, ElementType.Float, "num_image_rows", h);
        string? keep = embedsIn ? b.Input(NumLogitsToKeep, ElementType.Int64) : null;

        b.Scope = "embed";
        string? embed = table ? loader.Embedding(N.EmbedTokens, t.VocabSize, h) : null;
        DecoderContext context = embedsIn
            ? DecoderContext.FromEmbeddings(b, t, embeddingsIn, mask, positions, options.SlidingWindowMode)
            : DecoderContext.Create(b, nn, config, embeddingsIn, mask, positions, features!, embed!, loader.EmbeddingHalf, options.SlidingWindowMode, options.Mutation);

        string x = context.Embeddings;
        for (int i = 0; i < t.NumHiddenLayers; i++)
        {
            b.Scope = "layers." + i.ToString(CultureInfo.InvariantCulture);
            x = DecoderLayer.Build(b, nn, loader, context, t, i, x, past[i], Layer(DecoderGraphNames.PresentKeyTemplate, i), Layer(DecoderGraphNames.PresentValueTemplate, i));
        }

        b.Scope = "head";
        if (keep is not null)
        {
            // Positions [seq − k, seq): Slice from −k (from 0, i.e. every position, when k = 0).
            x = b.Op("Slice", x, b.Op("Neg", b.Op("Unsqueeze", keep, b.ConstI64(0))), b.ConstI64(long.MaxValue), b.ConstI64(1));
        }
        else if (options.LastTokenLogitsOnly)
        {
            x = LastUnmaskedPosition(b, x, mask, h);
        }

        x = nn.RmsNorm(x, loader.RmsNormScale(N.FinalNorm, h), t.RmsNormEps);
        string logits;
        if (quantizedHead)
        {
            // The tied head gets its own 4-bit copy: the Gather keeps the float16 table, the per-token matmul reads 4 bits.
            logits = nn.Linear(x, loader.QuantizedCopy(untied ? N.LmHead : N.EmbedTokens, t.VocabSize, h, int4! with { BlockSize = int4.HeadBlockSize }));
        }
        else
        {
            string head = untied ? loader.Embedding(N.LmHead, t.VocabSize, h) : embed!;
            string leading = b.Op("Shape", [x], [Attr.Int("start", 0), Attr.Int("end", 2)]);
            logits = nn.LinearTransposedWeight(x, head, h, t.VocabSize, leading, loader.EmbeddingHalf);
        }

        if (t.FinalLogitSoftcapping is float cap)
        {
            logits = nn.Softcap(logits, cap);
        }

        b.Op("Identity", [logits], [], DecoderGraphNames.Logits);
        b.Output(DecoderGraphNames.Logits, ElementType.Float, "batch_size", keep is not null ? "num_logits" : options.LastTokenLogitsOnly ? 1 : "sequence_length", t.VocabSize);
        for (int i = 0; i < t.NumHiddenLayers; i++)
        {
            b.Output(Layer(DecoderGraphNames.PresentKeyTemplate, i), ElementType.Float, "batch_size", t.NumKeyValueHeads, "total_sequence_length", t.HeadDim);
            b.Output(Layer(DecoderGraphNames.PresentValueTemplate, i), ElementType.Float, "batch_size", t.NumKeyValueHeads, "total_sequence_length", t.HeadDim);
        }

        b.Save(ExportGuard.ProducerVersion);
    }

    /// <summary>
    /// Picks, per row, the hidden state of the last current position whose attention mask is 1 ([batch, 1, hidden]). In a
    /// right-padded batch (ONNX Runtime GenAI pads on the right) a shorter row's last position is a pad; its logits must
    /// come from its own last token. With no mask-1 position (not fed by the runtime) the last position is used, as
    /// for a single unpadded sequence.
    /// </summary>
    private static string LastUnmaskedPosition(OnnxGraphBuilder b, string x, string mask, long hidden)
    {
        string sequence = b.Op("Shape", [x], [Attr.Int("start", 1), Attr.Int("end", 2)]);
        string total = b.Op("Shape", [mask], [Attr.Int("start", 1)]);
        string current = b.Op("Slice", mask, b.Op("Sub", total, sequence), b.ConstI64(long.MaxValue), b.ConstI64(1));
        current = b.Op("Cast", [current], [Attr.Int("to", (int)ElementType.Float)]);
        string last = b.Op("ArgMax", [current], [Attr.Int("axis", 1), Attr.Int("keepdims", 1), Attr.Int("select_last_index", 1)]);
        string batch = b.Op("Shape", [x], [Attr.Int("start", 0), Attr.Int("end", 1)]);
        string indexShape = b.Op("Concat", [batch, b.ConstI64(1, hidden)], [Attr.Int("axis", 0)]);
        string index = b.Op("Expand", b.Op("Unsqueeze", last, b.ConstI64(2)), indexShape);
        return b.Op("GatherElements", [x, index], [Attr.Int("axis", 1)]);
    }

    /// <summary>Replaces <c>%d</c> in a name template with the layer index.</summary>
    public static string Layer(string template, int layer)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Replace("%d", layer.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static void Validate(PaliGemmaConfig config)
    {
        GemmaTextConfig t = config.Text;
        ExportGuard.Config(t.ModelType is "gemma" or "gemma2", $"text model_type '{t.ModelType}' is neither 'gemma' nor 'gemma2'.");
        ExportGuard.Config(t.NumAttentionHeads > 0 && t.NumKeyValueHeads > 0 && t.NumAttentionHeads % t.NumKeyValueHeads == 0,
            $"num_attention_heads {t.NumAttentionHeads} is not a multiple of num_key_value_heads {t.NumKeyValueHeads}.");
        ExportGuard.Config(t.HeadDim > 0 && t.HeadDim % 2 == 0, $"head_dim {t.HeadDim} must be even (rotary embedding).");
        ExportGuard.Config(config.ImageTokenIndex >= 0 && config.ImageTokenIndex < t.VocabSize,
            $"image_token_index {config.ImageTokenIndex} is outside the vocabulary (size {t.VocabSize}).");
        ExportGuard.Config(t.SlidingWindow is null or > 0, $"sliding_window {t.SlidingWindow} must be positive.");
        ExportGuard.Config(t.QueryPreAttnScalar > 0, $"query_pre_attn_scalar {t.QueryPreAttnScalar} must be positive.");
    }
}
