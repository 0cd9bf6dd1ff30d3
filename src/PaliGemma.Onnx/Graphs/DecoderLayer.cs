using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.GraphBuilding;
using N = PaliGemma.Onnx.Checkpoints.PaliGemmaTensorNames;

namespace PaliGemma.Onnx.Graphs;

/// <summary>One Gemma / Gemma 2 decoder layer: attention with KV cache, gated GELU MLP, RMSNorms.</summary>
internal static class DecoderLayer
{
    /// <summary>Adds layer <paramref name="index"/> and returns its output hidden state.</summary>
    public static string Build(
        OnnxGraphBuilder b, NeuralOps nn, WeightLoader w, DecoderContext ctx, GemmaTextConfig t, int index, string x,
        (string Key, string Value) past, string presentKey, string presentValue)
    {
        string p = N.TextLayer(index);
        long h = t.HiddenSize;
        (string inputNorm, string preMlpNorm) = ("input_layernorm.weight", "post_attention_layernorm.weight");
        if (ctx.Mutation == DecoderMutation.SwapGemma1Norms && !t.IsGemma2)
        {
            (inputNorm, preMlpNorm) = (preMlpNorm, inputNorm); // TEST-ONLY mutation (DecoderMutation).
        }

        string normed = nn.RmsNorm(x, w.RmsNormScale(p + inputNorm, h), t.RmsNormEps);
        string attention = Attention(b, nn, w, ctx, t, index, p + "self_attn.", normed, past, presentKey, presentValue);
        if (t.IsGemma2)
        {
            attention = nn.RmsNorm(attention, w.RmsNormScale(p + "post_attention_layernorm.weight", h), t.RmsNormEps);
            x = b.Op("Add", x, attention);
            normed = nn.RmsNorm(x, w.RmsNormScale(p + "pre_feedforward_layernorm.weight", h), t.RmsNormEps);
            string mlp = Mlp(b, nn, w, t, p, normed);
            mlp = nn.RmsNorm(mlp, w.RmsNormScale(p + "post_feedforward_layernorm.weight", h), t.RmsNormEps);
            return b.Op("Add", x, mlp);
        }

        // Gemma 1: post_attention_layernorm is the norm in front of the MLP.
        x = b.Op("Add", x, attention);
        normed = nn.RmsNorm(x, w.RmsNormScale(p + preMlpNorm, h), t.RmsNormEps);
        return b.Op("Add", x, Mlp(b, nn, w, t, p, normed));
    }

    private static string Mlp(OnnxGraphBuilder b, NeuralOps nn, WeightLoader w, GemmaTextConfig t, string p, string x)
    {
        long h = t.HiddenSize, m = t.IntermediateSize;
        string[] gateUp = nn.LinearSplit(x, w.FusedLinear(p + "mlp.gate_up_proj.weight", [(p + "mlp.gate_proj.weight", m), (p + "mlp.up_proj.weight", m)], h), m, m);
        (string gate, string up) = (gateUp[0], gateUp[1]);
        return nn.Linear(b.Op("Mul", nn.GeluTanh(gate), up), w.Linear(p + "mlp.down_proj.weight", h, m));
    }

    private static string Attention(
        OnnxGraphBuilder b, NeuralOps nn, WeightLoader w, DecoderContext ctx, GemmaTextConfig t, int index, string p, string x,
        (string Key, string Value) past, string presentKey, string presentValue)
    {
        long h = t.HiddenSize, d = t.HeadDim;
        int heads = t.NumAttentionHeads, kvHeads = t.NumKeyValueHeads;

        // q, k and v read the same input: one fused projection (WeightLoader.FusedLinear), split into [batch, seq, n·d] parts.
        LinearWeight qkv = w.FusedLinear(
            p + "qkv_proj.weight", [(p + "q_proj.weight", heads * d), (p + "k_proj.weight", kvHeads * d), (p + "v_proj.weight", kvHeads * d)], h);
        string[] projected = nn.LinearSplit(x, qkv, heads * d, kvHeads * d, kvHeads * d);

        string Heads(string part, int count) =>
            b.Op("Transpose", [b.Op("Reshape", part, b.ConstI64(0, 0, count, d))], [Attr.Ints("perm", 0, 2, 1, 3)]);

        string q = Rope(b, ctx, Heads(projected[0], heads), d);
        string k = Rope(b, ctx, Heads(projected[1], kvHeads), d);
        string v = Heads(projected[2], kvHeads);
        string keys = b.Op("Concat", [past.Key, k], [Attr.Int("axis", 2)], presentKey);
        string values = b.Op("Concat", [past.Value, v], [Attr.Int("axis", 2)], presentValue);

        // Grouped-query attention without copying kv heads: query heads g·r … g·r + r − 1 share kv head g,
        // so [batch, heads, seq, d] is viewed as [batch, kv_heads, r·seq, d] against [batch, kv_heads, total, d].
        string grouped = b.Op("Reshape", q, b.ConstI64(0, kvHeads, -1, d));
        string scores = b.Op("MatMul", grouped, b.Op("Transpose", [keys], [Attr.Ints("perm", 0, 1, 3, 2)]));
        float scale = (float)Math.Pow(t.IsGemma2 ? t.QueryPreAttnScalar : t.HeadDim, -0.5);
        scores = b.Op("Mul", scores, b.ScalarF32(scale));
        if (t.IsGemma2 && t.AttnLogitSoftcapping is float cap)
        {
            scores = nn.Softcap(scores, cap);
        }

        scores = b.Op("Reshape", scores, b.ConstI64(0, heads, -1, 0));
        bool sliding = t.IsGemma2 && index % 2 == 0 && ctx.AllowedSliding is not null;
        string allowed = sliding ? ctx.AllowedSliding! : ctx.Allowed;
        scores = b.Op("Where", allowed, scores, b.ScalarF32(float.MinValue));
        string probs = b.Op("Softmax", [scores], [Attr.Int("axis", -1)]);
        string context = b.Op("MatMul", b.Op("Reshape", probs, b.ConstI64(0, kvHeads, -1, 0)), values);
        context = b.Op("Reshape", context, b.ConstI64(0, heads, -1, d));
        context = b.Op("Transpose", [context], [Attr.Ints("perm", 0, 2, 1, 3)]);
        context = b.Op("Reshape", context, b.ConstI64(0, 0, heads * d));
        return nn.Linear(context, w.Linear(p + "o_proj.weight", h, heads * d));
    }

    /// <summary>Rotate-half RoPE: <c>x·cos + rotate_half(x)·sin</c>, rotate_half(x) = [−x₂, x₁].</summary>
    private static string Rope(OnnxGraphBuilder b, DecoderContext ctx, string x, long d)
    {
        long half = d / 2;
        string first = b.Op("Slice", x, b.ConstI64(0), b.ConstI64(half), b.ConstI64(3));
        string second = b.Op("Slice", x, b.ConstI64(half), b.ConstI64(d), b.ConstI64(3));
        string rotated = b.Op("Concat", [b.Op("Neg", second), first], [Attr.Int("axis", -1)]);
        return b.Op("Add", b.Op("Mul", x, ctx.Cos), b.Op("Mul", rotated, ctx.Sin));
    }
}
