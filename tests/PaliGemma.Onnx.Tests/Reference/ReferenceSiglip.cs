using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tests.Reference;

/// <summary>
/// Straightforward SigLIP vision tower + PaliGemma projector written from HF's SiglipVisionModel semantics
/// (patch conv, learned positions, pre-LN layers, post_layernorm, projector). Returns the projector output unscaled.
/// </summary>
internal static class ReferenceSiglip
{
    public static float[] Run(PaliGemmaConfig config, ICheckpointReader w, float[] pixels, int batch)
    {
        SiglipVisionConfig v = config.Vision;
        int h = v.HiddenSize, p = v.PatchSize, s = v.ImageSize, c = v.NumChannels, g = s / p, n = g * g;
        string vp = "vision_tower.vision_model.";
        float[] convW = w.Read(vp + "embeddings.patch_embedding.weight");
        float[] convB = w.Read(vp + "embeddings.patch_embedding.bias");
        float[] pos = w.Read(vp + "embeddings.position_embedding.weight");
        var output = new List<float>();
        for (int bi = 0; bi < batch; bi++)
        {
            var x = new float[n * h];
            for (int py = 0; py < g; py++)
            {
                for (int px = 0; px < g; px++)
                {
                    int patch = (py * g) + px;
                    for (int o = 0; o < h; o++)
                    {
                        double acc = convB[o];
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int ky = 0; ky < p; ky++)
                            {
                                for (int kx = 0; kx < p; kx++)
                                {
                                    float pix = pixels[(((bi * c) + ch) * s * s) + (((py * p) + ky) * s) + (px * p) + kx];
                                    acc += (double)pix * convW[(((o * c) + ch) * p * p) + (ky * p) + kx];
                                }
                            }
                        }

                        x[(patch * h) + o] = (float)(acc + pos[(patch * h) + o]);
                    }
                }
            }

            for (int l = 0; l < v.NumHiddenLayers; l++)
            {
                string lp = $"{vp}encoder.layers.{l}.";
                float[] normed = RefMath.LayerNorm(x, n, h, w.Read(lp + "layer_norm1.weight"), w.Read(lp + "layer_norm1.bias"), v.LayerNormEps);
                RefMath.AddInPlace(x, Attention(w, lp + "self_attn.", normed, n, h, v.NumAttentionHeads));
                normed = RefMath.LayerNorm(x, n, h, w.Read(lp + "layer_norm2.weight"), w.Read(lp + "layer_norm2.bias"), v.LayerNormEps);
                float[] f1 = RefMath.Linear(normed, n, h, w.Read(lp + "mlp.fc1.weight"), v.IntermediateSize, w.Read(lp + "mlp.fc1.bias"));
                for (int i = 0; i < f1.Length; i++)
                {
                    f1[i] = RefMath.GeluTanh(f1[i]);
                }

                RefMath.AddInPlace(x, RefMath.Linear(f1, n, v.IntermediateSize, w.Read(lp + "mlp.fc2.weight"), h, w.Read(lp + "mlp.fc2.bias")));
            }

            x = RefMath.LayerNorm(x, n, h, w.Read(vp + "post_layernorm.weight"), w.Read(vp + "post_layernorm.bias"), v.LayerNormEps);
            output.AddRange(RefMath.Linear(x, n, h, w.Read("multi_modal_projector.linear.weight"), config.ProjectionDim, w.Read("multi_modal_projector.linear.bias")));
        }

        return [.. output];
    }

    private static float[] Attention(ICheckpointReader w, string prefix, float[] x, int n, int h, int heads)
    {
        int d = h / heads;
        float[] q = RefMath.Linear(x, n, h, w.Read(prefix + "q_proj.weight"), h, w.Read(prefix + "q_proj.bias"));
        float[] k = RefMath.Linear(x, n, h, w.Read(prefix + "k_proj.weight"), h, w.Read(prefix + "k_proj.bias"));
        float[] vv = RefMath.Linear(x, n, h, w.Read(prefix + "v_proj.weight"), h, w.Read(prefix + "v_proj.bias"));
        var ctx = new float[n * h];
        double scale = Math.Pow(d, -0.5);
        for (int head = 0; head < heads; head++)
        {
            for (int i = 0; i < n; i++)
            {
                var s = new double[n];
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int e = 0; e < d; e++)
                    {
                        dot += (double)q[(i * h) + (head * d) + e] * k[(j * h) + (head * d) + e];
                    }

                    s[j] = dot * scale;
                }

                RefMath.SoftmaxInPlace(s);
                for (int e = 0; e < d; e++)
                {
                    double acc = 0;
                    for (int j = 0; j < n; j++)
                    {
                        acc += s[j] * vv[(j * h) + (head * d) + e];
                    }

                    ctx[(i * h) + (head * d) + e] = (float)acc;
                }
            }
        }

        return RefMath.Linear(ctx, n, h, w.Read(prefix + "out_proj.weight"), h, w.Read(prefix + "out_proj.bias"));
    }
}
