using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.GraphBuilding;
using PaliGemma.Onnx.Quantization;
using N = PaliGemma.Onnx.Checkpoints.PaliGemmaTensorNames;

namespace PaliGemma.Onnx.Graphs;

/// <summary>
/// Writes <c>vision.onnx</c>: SigLIP (HF <c>SiglipVisionModel</c>, last hidden state) followed by the
/// PaliGemma projector. Input <c>pixel_values</c> float32 [batch, channels, S, S]; output
/// <c>image_features</c> float32 [batch · N, text hidden], N = (S / patch)². The output is the raw
/// projector output: HF divides it by √hidden and Gemma multiplies every input embedding by √hidden, so the
/// net image embedding is unscaled.
/// </summary>
public static class VisionGraphExporter
{
    /// <summary>Exports the vision graph to <paramref name="onnxPath"/> (weights in <c>onnxPath + ".data"</c>).</summary>
    /// <param name="config">The model configuration.</param>
    /// <param name="weights">The checkpoint, streamed one tensor at a time.</param>
    /// <param name="onnxPath">Where to write the graph.</param>
    /// <param name="precision">Weight precision.</param>
    /// <param name="progress">Optional progress sink.</param>
    public static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, IProgress<ExportProgress>? progress = null) =>
        Export(config, weights, onnxPath, precision, null, progress);

    /// <summary>Exports the vision graph with 4-bit settings for <see cref="ModelPrecision.Int4"/>.</summary>
    /// <param name="config">The model configuration.</param>
    /// <param name="weights">The checkpoint, streamed one tensor at a time.</param>
    /// <param name="onnxPath">Where to write the graph.</param>
    /// <param name="precision">Weight precision.</param>
    /// <param name="int4">4-bit settings (used only for <see cref="ModelPrecision.Int4"/>); null = defaults.</param>
    /// <param name="progress">Optional progress sink.</param>
    public static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress = null) =>
        Export(config, weights, onnxPath, OnnxGraphBuilder.DefaultDataPath(onnxPath), precision, int4, progress);

    /// <summary>Exports the vision graph with its weights in <paramref name="dataPath"/> (same folder as the graph).</summary>
    internal static void Export(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, string dataPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress)
    {
        ExportGuard.Arguments(config, weights, onnxPath, precision);
        ExportGuard.Atomically(onnxPath, dataPath, () => ExportCore(config, weights, onnxPath, dataPath, precision, int4, progress));
    }

    private static void ExportCore(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, string dataPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress)
    {
        SiglipVisionConfig v = config.Vision;
        ExportGuard.Config(v.HiddenSize % v.NumAttentionHeads == 0, $"vision hidden_size {v.HiddenSize} is not divisible by num_attention_heads {v.NumAttentionHeads}.");
        ExportGuard.Config(v.PatchSize > 0 && v.ImageSize % v.PatchSize == 0, $"vision image_size {v.ImageSize} is not a multiple of patch_size {v.PatchSize}.");
        ExportGuard.Config(config.ProjectionDim == config.Text.HiddenSize, $"projection_dim {config.ProjectionDim} differs from text hidden_size {config.Text.HiddenSize}.");

        using var b = new OnnxGraphBuilder("paligemma_vision", onnxPath, dataPath);
        var loader = new WeightLoader(weights, b, precision, progress, "vision", N.VisionTensors(config).Count, int4);
        var nn = new NeuralOps(b, loader.Half);
        long h = v.HiddenSize;
        int heads = v.NumAttentionHeads;
        long headDim = h / heads;

        string pixels = b.Input(VisionGraphNames.PixelValues, ElementType.Float, "batch", v.NumChannels, v.ImageSize, v.ImageSize);

        // Patch embedding: Conv(k = s = patch) with bias, flattened to [batch, N, hidden].
        string convW = loader.Matrix(N.Vision + "embeddings.patch_embedding.weight", h, v.NumChannels, v.PatchSize, v.PatchSize);
        string convB = loader.Vector(N.Vision + "embeddings.patch_embedding.bias", h);
        string convIn = loader.Half ? nn.Cast(pixels, ElementType.Float16) : pixels;
        string patches = b.Op("Conv", [convIn, convW], [Attr.Ints("kernel_shape", v.PatchSize, v.PatchSize), Attr.Ints("strides", v.PatchSize, v.PatchSize)]);
        if (loader.Half)
        {
            patches = nn.Cast(patches, ElementType.Float);
        }

        patches = b.Op("Add", patches, b.Op("Reshape", convB, b.ConstI64(1, h, 1, 1)));
        string x = b.Op("Transpose", [b.Op("Reshape", patches, b.ConstI64(0, h, -1))], [Attr.Ints("perm", 0, 2, 1)]);
        string pos = loader.Matrix(N.Vision + "embeddings.position_embedding.weight", v.NumPatches, h);
        x = b.Op("Add", x, loader.Half ? nn.Cast(pos, ElementType.Float) : pos);

        for (int i = 0; i < v.NumHiddenLayers; i++)
        {
            b.Scope = "vision.layers." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string p = N.VisionLayer(i);
            string normed = nn.LayerNorm(x, loader.Vector(p + "layer_norm1.weight", h), loader.Vector(p + "layer_norm1.bias", h), v.LayerNormEps);
            x = b.Op("Add", x, Attention(b, nn, loader, normed, p + "self_attn.", h, heads, headDim));
            normed = nn.LayerNorm(x, loader.Vector(p + "layer_norm2.weight", h), loader.Vector(p + "layer_norm2.bias", h), v.LayerNormEps);
            string fc1 = nn.Linear(normed, loader.Linear(p + "mlp.fc1.weight", v.IntermediateSize, h), loader.Vector(p + "mlp.fc1.bias", v.IntermediateSize));
            string fc2 = nn.Linear(nn.GeluTanh(fc1), loader.Linear(p + "mlp.fc2.weight", h, v.IntermediateSize), loader.Vector(p + "mlp.fc2.bias", h));
            x = b.Op("Add", x, fc2);
        }

        b.Scope = "vision.head";
        x = nn.LayerNorm(x, loader.Vector(N.Vision + "post_layernorm.weight", h), loader.Vector(N.Vision + "post_layernorm.bias", h), v.LayerNormEps);
        string projected = nn.Linear(x, loader.Linear(N.ProjectorWeight, config.ProjectionDim, h), loader.Vector(N.ProjectorBias, config.ProjectionDim));
        b.Op("Reshape", [projected, b.ConstI64(-1, config.ProjectionDim)], [], VisionGraphNames.ImageFeatures);
        b.Output(VisionGraphNames.ImageFeatures, ElementType.Float, "image_rows", config.ProjectionDim);
        b.Save(ExportGuard.ProducerVersion);
    }

    private static string Attention(OnnxGraphBuilder b, NeuralOps nn, WeightLoader w, string x, string prefix, long h, int heads, long headDim)
    {
        string Heads(string proj) =>
            b.Op("Transpose", [b.Op("Reshape", nn.Linear(x, w.Linear(prefix + proj + ".weight", h, h), w.Vector(prefix + proj + ".bias", h)), b.ConstI64(0, 0, heads, headDim))], [Attr.Ints("perm", 0, 2, 1, 3)]);

        string q = Heads("q_proj");
        string k = Heads("k_proj");
        string v = Heads("v_proj");
        string kT = b.Op("Transpose", [k], [Attr.Ints("perm", 0, 1, 3, 2)]);
        string scores = b.Op("Mul", b.Op("MatMul", q, kT), b.ScalarF32((float)Math.Pow(headDim, -0.5)));
        string probs = b.Op("Softmax", [scores], [Attr.Int("axis", -1)]);
        string context = b.Op("Transpose", [b.Op("MatMul", probs, v)], [Attr.Ints("perm", 0, 2, 1, 3)]);
        context = b.Op("Reshape", context, b.ConstI64(0, 0, h));
        return nn.Linear(context, w.Linear(prefix + "out_proj.weight", h, h), w.Vector(prefix + "out_proj.bias", h));
    }
}
