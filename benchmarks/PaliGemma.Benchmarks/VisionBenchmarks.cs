using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.Benchmarks;

/// <summary>Vision encoding: <see cref="PaliGemmaModel.EncodeImage"/> against a bare ONNX Runtime session over the same vision.onnx.</summary>
[MemoryDiagnoser]
public class VisionBenchmarks
{
    private PaliGemmaModel _model = null!;
    private InferenceSession _session = null!;
    private float[] _pixels = [];

    [GlobalSetup]
    public void Setup()
    {
        _model = PaliGemmaModel.Load(BenchModel.Path);
        _session = new InferenceSession(Path.Combine(BenchModel.Path, ModelFileNames.Vision));
        _pixels = PaliGemmaImageProcessor.Preprocess(BenchModel.Image, _model.ImageSize).PixelValues;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _session.Dispose();
        _model.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int RawSession()
    {
        int size = _model.ImageSize;
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(VisionGraphNames.PixelValues, new DenseTensor<float>(_pixels, [1, 3, size, size]))]);
        return results.First().AsTensor<float>().Dimensions[0];
    }

    [Benchmark]
    public int EncodeImage() => _model.EncodeImage(_pixels).Length;
}
