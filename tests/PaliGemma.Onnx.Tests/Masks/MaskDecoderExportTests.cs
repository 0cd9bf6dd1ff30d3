using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Masks;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests.Masks;

public sealed class MaskDecoderExportTests(ITestOutputHelper output)
{
    private static float[] Run(string onnxPath, long[] codes, int batch)
    {
        using var session = new InferenceSession(onnxPath);
        var input = new DenseTensor<long>(codes, [batch, 16]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(MaskDecoderGraphNames.Codes, input)]);
        var tensor = results.Single(r => r.Name == MaskDecoderGraphNames.Logits).AsTensor<float>();
        Assert.Equal([batch, 64, 64], tensor.Dimensions.ToArray());
        return tensor.ToArray();
    }

    [Fact]
    public void Exported_decoder_matches_python_reference_for_all_20_fixtures()
    {
        using var dir = new TempFolder();
        string onnx = dir.File("mask_decoder.onnx");
        VqVaeDecoderWeights weights = MaskDecoderExporter.Export(MaskFixtures.Npz, onnx);
        Assert.Equal(128, weights.CodebookSize);
        Assert.Equal(512, weights.EmbeddingDim);
        Assert.Equal([128, 64, 32, 16], weights.UpsampleChannels);
        Assert.False(File.Exists(onnx + ".data"));

        long[][] codes = MaskFixtures.Codes();
        Assert.Equal(20, codes.Length);
        float[] actual = Run(onnx, codes.SelectMany(c => c).ToArray(), codes.Length);
        double worst = 0;
        for (int i = 0; i < codes.Length; i++)
        {
            float[] expected = MaskFixtures.Logits(i);
            for (int p = 0; p < expected.Length; p++)
            {
                worst = Math.Max(worst, Math.Abs(expected[p] - actual[(i * 4096) + p]));
            }
        }

        output.WriteLine($"mask decoder vs Python reference, 20 cases: max |diff| = {worst:E3}");
        Assert.True(worst <= 1e-4, $"max |diff| {worst} exceeds 1e-4");
    }

    [Fact]
    public void Batch_rows_are_independent_and_code_order_matters()
    {
        using var dir = new TempFolder();
        string onnx = dir.File("mask_decoder.onnx");
        MaskDecoderExporter.Export(MaskFixtures.Npz, onnx);
        long[] first = MaskFixtures.Codes()[0];
        float[] single = Run(onnx, first, 1);
        float[] reversed = Run(onnx, first.Reverse().ToArray(), 1);
        Assert.Equal(MaskFixtures.Logits(0), single, new ToleranceComparer(1e-4f));
        Assert.True(single.Zip(reversed).Max(p => Math.Abs(p.First - p.Second)) > 0.1f);
    }

    [Fact]
    public void Codebook_size_is_written_to_model_metadata()
    {
        using var dir = new TempFolder();
        string npz = dir.File("small.npz");
        RandomVqVaeCheckpoint.Write(npz, seed: 3, codebookSize: 130, embeddingDim: 8, width: 16, upsampleChannels: [16, 8, 8, 4]);
        string onnx = dir.File("mask_decoder.onnx");
        MaskDecoderExporter.Export(npz, onnx);
        using var session = new InferenceSession(onnx);
        Assert.Equal("130", session.ModelMetadata.CustomMetadataMap[MaskDecoderGraphNames.CodebookSizeMetadataKey]);
        float[] logits = Run(onnx, Enumerable.Range(114, 16).Select(i => (long)i).ToArray(), 1);
        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
