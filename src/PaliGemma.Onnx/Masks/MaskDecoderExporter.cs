using System.Globalization;
using Google.Protobuf;
using Onnx;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.GraphBuilding;

namespace PaliGemma.Onnx.Masks;

/// <summary>
/// Exports big_vision's VQ-VAE mask decoder to one self-contained ONNX file (<c>mask_decoder.onnx</c>):
/// input <c>codes</c> int64 [batch, 16] → output <c>logits</c> float32 [batch, 64, 64].
/// Graph: Gather(codebook) → Reshape [B, 4, 4, D] (code i at row i / 4, column i % 4) → Transpose to NCHW →
/// Conv 1×1 + Relu → 2 × (Conv 3×3 pad 1, Relu, Conv 3×3 pad 1, Relu, Conv 1×1, Add input) →
/// 4 × (ConvTranspose k4 s2 pads 1 + Relu) → Conv 1×1 → Reshape [B, 64, 64].
/// The codebook size is stored in the model metadata under <see cref="MaskDecoderGraphNames.CodebookSizeMetadataKey"/>.
/// </summary>
public static class MaskDecoderExporter
{
    /// <summary>Reads <paramref name="npzPath"/> and writes the ONNX model to <paramref name="onnxPath"/>.</summary>
    /// <param name="npzPath">The VQ-VAE weights (<c>vae-oid.npz</c>).</param>
    /// <param name="onnxPath">The model to write, e.g. <c>model/mask_decoder.onnx</c>; its folder must exist.</param>
    /// <returns>The validated weights that were exported.</returns>
    public static VqVaeDecoderWeights Export(string npzPath, string onnxPath)
    {
        VqVaeDecoderWeights weights = VqVaeDecoderWeights.Load(npzPath);
        Export(weights, onnxPath);
        return weights;
    }

    /// <summary>Writes the ONNX model for already loaded weights.</summary>
    public static void Export(VqVaeDecoderWeights weights, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (folder is null || !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The output folder for '{onnxPath}' does not exist.");
        }

        using (var b = new OnnxGraphBuilder("paligemma_mask_decoder", onnxPath))
        {
            Build(b, weights);
            b.Save(typeof(MaskDecoderExporter).Assembly.GetName().Version?.ToString() ?? "0");
        }

        // Every weight is inline; remove the empty external-data file the builder creates.
        string data = onnxPath + ModelFileNames.ExternalDataSuffix;
        if (File.Exists(data) && new FileInfo(data).Length == 0)
        {
            File.Delete(data);
        }

        AddMetadata(onnxPath, weights);
    }

    private static void Build(OnnxGraphBuilder b, VqVaeDecoderWeights w)
    {
        string codes = b.Input(MaskDecoderGraphNames.Codes, ElementType.Int64, "batch", MaskDecoderGraphNames.CodesPerMask);
        string codebook = b.InlineF32("codebook", w.Codebook.Data, [w.CodebookSize, w.EmbeddingDim]);
        string x = b.Op("Gather", [codebook, codes], [Attr.Int("axis", 0)]);
        x = b.Op("Reshape", x, b.ConstI64(-1, 4, 4, w.EmbeddingDim));
        x = b.Op("Transpose", [x], [Attr.Ints("perm", 0, 3, 1, 2)]);

        x = b.Op("Relu", Conv(b, w, VqVaeDecoderWeights.InputConv, x, 0));
        foreach (string block in VqVaeDecoderWeights.ResBlocks)
        {
            string y = b.Op("Relu", Conv(b, w, block + ".0", x, 1));
            y = b.Op("Relu", Conv(b, w, block + ".2", y, 1));
            y = Conv(b, w, block + ".4", y, 0);
            x = b.Op("Add", y, x);
        }

        foreach (string layer in VqVaeDecoderWeights.UpsampleLayers)
        {
            // PyTorch ConvTranspose2d(k=4, s=2, p=1) == flax ConvTranspose(padding=2, transpose_kernel=True):
            // output = 2 × input. ONNX ConvTranspose takes PyTorch's [in, out, kh, kw] weight as is.
            string convT = b.Op(
                "ConvTranspose",
                [x, Param(b, w.WeightOf(layer)), Param(b, w.BiasOf(layer))],
                [Attr.Ints("kernel_shape", 4, 4), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)]);
            x = b.Op("Relu", convT);
        }

        x = Conv(b, w, VqVaeDecoderWeights.OutputConv, x, 0);
        b.Op("Reshape", [x, b.ConstI64(-1, MaskDecoderGraphNames.MaskSize, MaskDecoderGraphNames.MaskSize)], [], MaskDecoderGraphNames.Logits);
        b.Output(MaskDecoderGraphNames.Logits, ElementType.Float, "batch", MaskDecoderGraphNames.MaskSize, MaskDecoderGraphNames.MaskSize);
    }

    private static string Conv(OnnxGraphBuilder b, VqVaeDecoderWeights w, string layer, string x, int pad)
    {
        NpyArray weight = w.WeightOf(layer);
        long k = weight.Shape[2];
        return b.Op(
            "Conv",
            [x, Param(b, weight), Param(b, w.BiasOf(layer))],
            [Attr.Ints("kernel_shape", k, k), Attr.Ints("pads", pad, pad, pad, pad), Attr.Ints("strides", 1, 1)]);
    }

    private static string Param(OnnxGraphBuilder b, NpyArray array) =>
        b.InlineF32(array.Name, array.Data, array.Shape.ToArray());

    private static void AddMetadata(string onnxPath, VqVaeDecoderWeights w)
    {
        ModelProto model;
        using (FileStream input = File.OpenRead(onnxPath))
        {
            model = ModelProto.Parser.ParseFrom(input);
        }

        model.DocString = "big_vision VQ-VAE mask decoder (vae-oid.npz): 16 <segNNN> codes -> 64x64 mask logits (foreground > 0).";
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = MaskDecoderGraphNames.CodebookSizeMetadataKey,
            Value = w.CodebookSize.ToString(CultureInfo.InvariantCulture),
        });
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = "paligemma.mask_decoder.embedding_dim",
            Value = w.EmbeddingDim.ToString(CultureInfo.InvariantCulture),
        });
        using FileStream output = new(onnxPath, FileMode.Create, FileAccess.Write, FileShare.None);
        model.WriteTo(output);
    }
}
