using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests;

public sealed class VisionGraphTests(ITestOutputHelper output)
{
    internal static float[] RunVision(string onnxPath, float[] pixels, int batch, int size, out int[] shape)
    {
        using var session = new InferenceSession(onnxPath);
        var input = new DenseTensor<float>(pixels, [batch, 3, size, size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(VisionGraphNames.PixelValues, input)]);
        var tensor = results.Single(r => r.Name == VisionGraphNames.ImageFeatures).AsTensor<float>();
        shape = tensor.Dimensions.ToArray();
        return tensor.ToArray();
    }

    internal static float[] Pixels(int batch, int size, int seed)
    {
        var rng = new Random(seed);
        var p = new float[batch * 3 * size * size];
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return p;
    }

    [Theory]
    [InlineData(28, 1, ModelPrecision.Float32, 1e-4)]
    [InlineData(56, 2, ModelPrecision.Float32, 1e-4)]
    [InlineData(56, 2, ModelPrecision.Float16, 2e-3)]
    public void Vision_graph_matches_reference(int size, int batch, ModelPrecision precision, double tolerance)
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1(size);
        using var weights = new RandomCheckpoint(config, seed: 11);
        using var dir = new TempFolder();
        string path = dir.File("vision.onnx");
        VisionGraphExporter.Export(config, weights, path, precision);
        Assert.True(File.Exists(path + ".data"));

        float[] pixels = Pixels(batch, size, seed: 5);
        float[] actual = RunVision(path, pixels, batch, size, out int[] shape);
        float[] expected = ReferenceSiglip.Run(config, weights, pixels, batch);

        int n = config.Vision.NumPatches;
        Assert.Equal([batch * n, config.Text.HiddenSize], shape);
        float diff = RefMath.MaxAbsDiff(actual, expected);
        output.WriteLine($"vision {size}px batch {batch} {precision}: max |diff| = {diff:E3} (max |value| = {expected.Max(Math.Abs):F3})");
        Assert.True(diff < tolerance, $"max abs diff {diff} exceeds {tolerance}");
    }
}
