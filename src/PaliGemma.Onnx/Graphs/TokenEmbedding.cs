using PaliGemma.Onnx.GraphBuilding;

namespace PaliGemma.Onnx.Graphs;

/// <summary>Gemma's text embedding: <c>embed_tokens[id] · √hidden</c>, the normaliser rounded to the table's dtype as HF does.</summary>
internal static class TokenEmbedding
{
    /// <summary>
    /// Gathers the rows of <paramref name="table"/> for <paramref name="ids"/> (any shape; the result gets a trailing hidden
    /// axis), as float32, multiplied by √<paramref name="hidden"/> unless <paramref name="scale"/> is false.
    /// </summary>
    public static string Scaled(OnnxGraphBuilder b, NeuralOps nn, string ids, string table, bool half, long hidden, bool scale = true)
    {
        string text = b.Op("Gather", [table, ids], [Attr.Int("axis", 0)]);
        if (half)
        {
            text = nn.Cast(text, ElementType.Float);
        }

        float normalizer = MathF.Sqrt(hidden);
        if (half)
        {
            normalizer = (float)(Half)normalizer;
        }

        return scale ? b.Op("Mul", text, b.ScalarF32(normalizer)) : text;
    }
}
