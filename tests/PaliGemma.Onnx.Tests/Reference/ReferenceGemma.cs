using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Tests.Reference;

/// <summary>
/// Straightforward PaliGemma decoder (Gemma / Gemma 2) written from HF semantics, for one sequence:
/// text embeddings × √hidden, k-th &lt;image&gt; token takes feature row k unscaled, 1-based RoPE positions,
/// prefix-LM attention (keys before <c>prefixLength</c> visible to every query, later keys causal),
/// Gemma 2 soft caps, four norms, sliding window on even layers (three semantics, see SlidingWindowMode).
/// </summary>
internal static class ReferenceGemma
{
    public static float[] Logits(PaliGemmaConfig config, ICheckpointReader w, int[] ids, float[] features, int prefixLength, float[]? lmHead = null, SlidingWindowMode window = SlidingWindowMode.Hf)
    {
        GemmaTextConfig t = config.Text;
        int h = t.HiddenSize, s = ids.Length;
        float[] embed = w.Read("language_model.model.embed_tokens.weight");
        var x = new float[s * h];
        int imageRow = 0;
        float normalizer = MathF.Sqrt(h);
        for (int i = 0; i < s; i++)
        {
            if (ids[i] == config.ImageTokenIndex && (imageRow + 1) * h <= features.Length)
            {
                Array.Copy(features, imageRow * h, x, i * h, h);
                imageRow++;
            }
            else
            {
                for (int e = 0; e < h; e++)
                {
                    x[(i * h) + e] = embed[(ids[i] * h) + e] * normalizer;
                }
            }
        }

        for (int l = 0; l < t.NumHiddenLayers; l++)
        {
            string p = $"language_model.model.layers.{l}.";
            float[] normed = RefMath.RmsNorm(x, s, h, w.Read(p + "input_layernorm.weight"), t.RmsNormEps);
            float[] attn = Attention(t, w, p + "self_attn.", normed, s, prefixLength, sliding: t.IsGemma2 && l % 2 == 0, window);
            if (t.IsGemma2)
            {
                attn = RefMath.RmsNorm(attn, s, h, w.Read(p + "post_attention_layernorm.weight"), t.RmsNormEps);
                RefMath.AddInPlace(x, attn);
                normed = RefMath.RmsNorm(x, s, h, w.Read(p + "pre_feedforward_layernorm.weight"), t.RmsNormEps);
                float[] mlp = RefMath.RmsNorm(Mlp(t, w, p, normed, s), s, h, w.Read(p + "post_feedforward_layernorm.weight"), t.RmsNormEps);
                RefMath.AddInPlace(x, mlp);
            }
            else
            {
                RefMath.AddInPlace(x, attn);
                normed = RefMath.RmsNorm(x, s, h, w.Read(p + "post_attention_layernorm.weight"), t.RmsNormEps);
                RefMath.AddInPlace(x, Mlp(t, w, p, normed, s));
            }
        }

        x = RefMath.RmsNorm(x, s, h, w.Read("language_model.model.norm.weight"), t.RmsNormEps);
        float[] logits = RefMath.Linear(x, s, h, lmHead ?? embed, t.VocabSize);
        if (t.FinalLogitSoftcapping is float cap)
        {
            for (int i = 0; i < logits.Length; i++)
            {
                logits[i] = (float)(Math.Tanh(logits[i] / cap) * cap);
            }
        }

        return logits;
    }

    private static float[] Mlp(GemmaTextConfig t, ICheckpointReader w, string p, float[] x, int s)
    {
        int h = t.HiddenSize, m = t.IntermediateSize;
        float[] gate = RefMath.Linear(x, s, h, w.Read(p + "mlp.gate_proj.weight"), m);
        float[] up = RefMath.Linear(x, s, h, w.Read(p + "mlp.up_proj.weight"), m);
        for (int i = 0; i < gate.Length; i++)
        {
            gate[i] = RefMath.GeluTanh(gate[i]) * up[i];
        }

        return RefMath.Linear(gate, s, m, w.Read(p + "mlp.down_proj.weight"), h);
    }

    private static float[] Attention(GemmaTextConfig t, ICheckpointReader w, string p, float[] x, int s, int prefixLength, bool sliding, SlidingWindowMode mode)
    {
        int h = t.HiddenSize, d = t.HeadDim, heads = t.NumAttentionHeads, kvHeads = t.NumKeyValueHeads;
        float[] q = RefMath.Linear(x, s, h, w.Read(p + "q_proj.weight"), heads * d);
        float[] k = RefMath.Linear(x, s, h, w.Read(p + "k_proj.weight"), kvHeads * d);
        float[] v = RefMath.Linear(x, s, h, w.Read(p + "v_proj.weight"), kvHeads * d);
        ApplyRope(q, s, heads, d, t.RopeTheta);
        ApplyRope(k, s, kvHeads, d, t.RopeTheta);
        double scale = Math.Pow(t.IsGemma2 ? t.QueryPreAttnScalar : d, -0.5);
        int group = heads / kvHeads;
        var ctx = new float[s * heads * d];
        for (int head = 0; head < heads; head++)
        {
            int kvh = head / group;
            for (int i = 0; i < s; i++)
            {
                var scores = new double[s];
                for (int j = 0; j < s; j++)
                {
                    bool visible = j < prefixLength || j <= i;
                    if (sliding && t.SlidingWindow is int window && !InWindow(mode, i, j, window, prefixLength))
                    {
                        visible = false;
                    }

                    if (!visible)
                    {
                        scores[j] = double.NegativeInfinity;
                        continue;
                    }

                    double dot = 0;
                    for (int e = 0; e < d; e++)
                    {
                        dot += (double)q[(((i * heads) + head) * d) + e] * k[(((j * kvHeads) + kvh) * d) + e];
                    }

                    dot *= scale;
                    if (t.IsGemma2 && t.AttnLogitSoftcapping is float cap)
                    {
                        dot = Math.Tanh(dot / cap) * cap;
                    }

                    scores[j] = dot;
                }

                RefMath.SoftmaxInPlace(scores);
                for (int e = 0; e < d; e++)
                {
                    double acc = 0;
                    for (int j = 0; j < s; j++)
                    {
                        acc += scores[j] * v[(((j * kvHeads) + kvh) * d) + e];
                    }

                    ctx[(((i * heads) + head) * d) + e] = (float)acc;
                }
            }
        }

        return RefMath.Linear(ctx, s, heads * d, w.Read(p + "o_proj.weight"), h);
    }

    /// <summary>HF ≥ 4.53: prompt queries unwindowed, generated ones i − j &lt; W; legacy: i − j &lt; W for all; symmetric: |i − j| &lt; W.</summary>
    private static bool InWindow(SlidingWindowMode mode, int i, int j, int window, int prefixLength) => mode switch
    {
        SlidingWindowMode.Hf => i < prefixLength || i - j < window,
        SlidingWindowMode.HfLegacy => i - j < window,
        _ => Math.Abs(i - j) < window,
    };

    /// <summary>Rotate-half RoPE with HF's 1-based positions (token i has position i + 1).</summary>
    private static void ApplyRope(float[] x, int s, int heads, int d, float theta)
    {
        int half = d / 2;
        for (int i = 0; i < s; i++)
        {
            double position = i + 1;
            for (int head = 0; head < heads; head++)
            {
                int o = ((i * heads) + head) * d;
                for (int e = 0; e < half; e++)
                {
                    double angle = position / Math.Pow(theta, 2.0 * e / d);
                    double c = Math.Cos(angle), sn = Math.Sin(angle);
                    double a = x[o + e], b = x[o + e + half];
                    x[o + e] = (float)((a * c) - (b * sn));
                    x[o + e + half] = (float)((b * c) + (a * sn));
                }
            }
        }
    }
}
