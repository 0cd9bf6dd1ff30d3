using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.GraphBuilding;

namespace PaliGemma.Onnx.Graphs;

/// <summary>
/// Tensors of the decoder graph shared by every layer: merged input embeddings, RoPE tables and the
/// attention masks (padding only; padding + sliding window).
/// </summary>
internal sealed record DecoderContext(
    string Embeddings,
    string Cos,
    string Sin,
    string Allowed,
    string? AllowedSliding,
    string BatchAndSequence,
    DecoderMutation Mutation = DecoderMutation.None)
{
    /// <summary>Builds the shared tensors for a graph over token ids with image features merged at <c>&lt;image&gt;</c> positions.</summary>
    public static DecoderContext Create(
        OnnxGraphBuilder b, NeuralOps nn, PaliGemmaConfig config, string ids, string mask, string positions, string features, string embed, bool half, SlidingWindowMode windowMode, DecoderMutation mutation = DecoderMutation.None)
    {
        string batchAndSequence = b.Op("Shape", ids);
        string sequence = b.Op("Shape", [ids], [Attr.Int("start", 1)]);
        string total = b.Op("Shape", [mask], [Attr.Int("start", 1)]);
        string pastLength = b.Op("Sub", total, sequence);

        string embeddings = MergeEmbeddings(b, nn, config, ids, features, embed, half, pastLength, batchAndSequence,
            scaleText: mutation != DecoderMutation.NoEmbeddingScaling);
        if (mutation == DecoderMutation.PositionsIgnorePast)
        {
            positions = b.Op("Sub", positions, pastLength); // TEST-ONLY mutation (DecoderMutation).
        }

        // ONNX Runtime GenAI feeds 0-based positions; HF's are 1-based (cache_position + 1).
        // (oneBased false only for the TEST-ONLY mutation DecoderMutation.ZeroBasedPositions.)
        return Finish(b, config.Text, embeddings, batchAndSequence, total, pastLength, mask, positions, oneBasedFromZero: mutation != DecoderMutation.ZeroBasedPositions, positionBase: 0, windowMode, mutation);
    }

    /// <summary>
    /// Builds the shared tensors for a graph whose input is already the embedded sequence (<c>inputs_embeds</c>
    /// [batch, seq, hidden], text rows scaled, image rows merged by the caller) and whose <paramref name="positions"/>
    /// are HF's 1-based position ids (as transformers.js feeds them for PaliGemma).
    /// </summary>
    public static DecoderContext FromEmbeddings(OnnxGraphBuilder b, GemmaTextConfig t, string embeddings, string mask, string positions, SlidingWindowMode windowMode)
    {
        string batchAndSequence = b.Op("Shape", [embeddings], [Attr.Int("start", 0), Attr.Int("end", 2)]);
        string sequence = b.Op("Shape", [embeddings], [Attr.Int("start", 1), Attr.Int("end", 2)]);
        string total = b.Op("Shape", [mask], [Attr.Int("start", 1)]);
        string pastLength = b.Op("Sub", total, sequence);
        return Finish(b, t, embeddings, batchAndSequence, total, pastLength, mask, positions, oneBasedFromZero: false, positionBase: 1, windowMode, DecoderMutation.None);
    }

    private static DecoderContext Finish(
        OnnxGraphBuilder b, GemmaTextConfig t, string embeddings, string batchAndSequence, string total, string pastLength, string mask, string positions, bool oneBasedFromZero, long positionBase, SlidingWindowMode windowMode, DecoderMutation mutation)
    {
        (string cos, string sin) = Rotary(b, t, positions, addOne: oneBasedFromZero);

        // Padding mask only, [batch, 1, 1, total]: no causal mask (see the exporter's remarks).
        string allowed = b.Op("Unsqueeze", b.Op("Cast", [mask], [Attr.Int("to", (int)ElementType.Bool)]), b.ConstI64(1, 2));
        if (mutation == DecoderMutation.CausalPromptMask)
        {
            // TEST-ONLY mutation (DecoderMutation): query i sees key j only when i - j >= 0, inside the prompt too.
            allowed = b.Op("And", allowed, b.Op("Not", b.Op("Less", QueryKeyDistance(b, total, pastLength), b.ScalarI64(0))));
        }

        string? allowedSliding = null;
        if (t.IsGemma2 && t.SlidingWindow is int window)
        {
            // Query at position i and key at position j: i - j < window (see SlidingWindowMode). Positions, not KV-cache
            // indices: in a right-padded batch a shorter row's generated tokens sit after its pads, so index and position differ.
            string distance = PositionDistance(b, mask, positions, positionBase);
            string inWindow = b.Op("Less", distance, b.ScalarI64(window));
            inWindow = windowMode switch
            {
                SlidingWindowMode.Hf => b.Op("Or", inWindow, b.Op("Equal", pastLength, b.ConstI64(0))),
                SlidingWindowMode.Symmetric => b.Op("And", inWindow, b.Op("Greater", distance, b.ScalarI64(-window))),
                _ => inWindow,
            };
            allowedSliding = b.Op("And", allowed, inWindow);
        }

        return new DecoderContext(embeddings, cos, sin, allowed, allowedSliding, batchAndSequence, mutation);
    }

    /// <summary>
    /// [batch, 1, seq, total] int64: the position of each query (the <paramref name="positions"/> input) minus the position
    /// of each key. A key's position is the number of unmasked entries before it in its row (plus
    /// <paramref name="positionBase"/>, the base of the positions input): ONNX Runtime GenAI gives a right-padded row's
    /// trailing pads mask 0 and continues its positions from the row's own last token. For a single unpadded
    /// sequence this is the KV-cache index distance.
    /// </summary>
    private static string PositionDistance(OnnxGraphBuilder b, string mask, string positions, long positionBase)
    {
        string keyPositions = b.Op("CumSum", mask, b.ScalarI64(1));
        keyPositions = b.Op("Add", keyPositions, b.ScalarI64(positionBase - 1));
        string query = b.Op("Unsqueeze", positions, b.ConstI64(1, 3));
        string key = b.Op("Unsqueeze", keyPositions, b.ConstI64(1, 2));
        return b.Op("Sub", query, key);
    }

    /// <summary>[seq, total] int64: kv-cache index of each query (past + q) minus the index of each key.</summary>
    private static string QueryKeyDistance(OnnxGraphBuilder b, string total, string pastLength)
    {
        string totalScalar = b.Op("Squeeze", total, b.ConstI64(0));
        string queryIndex = b.Op("Range", b.Op("Squeeze", pastLength, b.ConstI64(0)), totalScalar, b.ScalarI64(1));
        string keyIndex = b.Op("Range", b.ScalarI64(0), totalScalar, b.ScalarI64(1));
        return b.Op("Sub", b.Op("Unsqueeze", queryIndex, b.ConstI64(1)), b.Op("Unsqueeze", keyIndex, b.ConstI64(0)));
    }

    private static string MergeEmbeddings(
        OnnxGraphBuilder b, NeuralOps nn, PaliGemmaConfig config, string ids, string features, string embed, bool half, string pastLength, string batchAndSequence, bool scaleText = true)
    {
        long h = config.Text.HiddenSize;
        string flatIds = b.Op("Reshape", ids, b.ConstI64(-1));

        // Text rows: embed_tokens[id] · normalizer; HF builds the normalizer in the model dtype.
        // (scaleText false only for the TEST-ONLY mutation DecoderMutation.NoEmbeddingScaling.)
        string text = TokenEmbedding.Scaled(b, nn, flatIds, embed, half, h, scaleText);

        // Image rows: the k-th <image> token (over the flattened batch) takes feature row k, unscaled.
        // Only during the prefill (no past) and only while rows remain; a spare zero row keeps the
        // gather in range when there are no features (0 rows).
        string isImage = b.Op("Equal", flatIds, b.ScalarI64(config.ImageTokenIndex));
        string isImageInt = nn.Cast(isImage, ElementType.Int64);
        string before = b.Op("Sub", b.Op("CumSum", isImageInt, b.ScalarI64(0)), isImageInt);
        string rows = b.Op("Shape", [features], [Attr.Int("start", 0), Attr.Int("end", 1)]);
        string use = b.Op("And", isImage, b.Op("Less", before, rows));
        use = b.Op("And", use, b.Op("Equal", pastLength, b.ConstI64(0)));
        string rowIndex = b.Op("Where", use, before, rows);
        string zeroRow = b.InlineF32("image_features_spare_row", new float[h], [1, h]);
        string padded = b.Op("Concat", [features, zeroRow], [Attr.Int("axis", 0)]);
        string image = b.Op("Gather", [padded, rowIndex], [Attr.Int("axis", 0)]);

        string merged = b.Op("Where", b.Op("Unsqueeze", use, b.ConstI64(1)), image, text);
        string shape = b.Op("Concat", [batchAndSequence, b.ConstI64(h)], [Attr.Int("axis", 0)]);
        return b.Op("Reshape", merged, shape);
    }

    private static (string Cos, string Sin) Rotary(OnnxGraphBuilder b, GemmaTextConfig t, string positions, bool addOne)
    {
        int half = t.HeadDim / 2;
        var inverse = new float[half];
        for (int i = 0; i < half; i++)
        {
            inverse[i] = (float)(1.0 / Math.Pow(t.RopeTheta, 2.0 * i / t.HeadDim));
        }

        string invFreq = b.InlineF32("rope_inv_freq", inverse, [half]);

        // HF's positions are 1-based (cache_position + 1): add 1 to ONNX Runtime GenAI's 0-based ones.
        string pos = b.Op("Cast", [addOne ? b.Op("Add", positions, b.ScalarI64(1)) : positions], [Attr.Int("to", (int)ElementType.Float)]);
        string freqs = b.Op("Mul", b.Op("Unsqueeze", pos, b.ConstI64(2)), invFreq);
        string angles = b.Op("Concat", [freqs, freqs], [Attr.Int("axis", -1)]);
        string cos = b.Op("Unsqueeze", b.Op("Cos", angles), b.ConstI64(1));
        string sin = b.Op("Unsqueeze", b.Op("Sin", angles), b.ConstI64(1));
        return (cos, sin);
    }
}
