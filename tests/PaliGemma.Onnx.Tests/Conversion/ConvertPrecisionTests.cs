using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Conversion;

/// <summary>
/// Precision defaults per target (issue 27 item 2) and per-component precision (item 7): <c>auto</c> is the CPU mix for
/// <see cref="ConversionTarget.Cpu"/> and float16 for <see cref="ConversionTarget.Cuda"/>; explicit choices win.
/// </summary>
public sealed class ConvertPrecisionTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Auto_on_the_cpu_is_the_documented_cpu_mix()
    {
        ConvertOptions resolved = Options().Resolve();

        Assert.Equal(ModelPrecision.Int4, resolved.Precision);
        Assert.Equal(ConvertOptions.CpuAutoPrecision, resolved.Precision);
        Assert.Equal(ConvertOptions.CpuAutoVisionPrecision, resolved.VisionPrecision);
        Assert.Equal(ConvertOptions.CpuAutoInt4, resolved.Int4);
    }

    [Fact]
    public void Auto_on_cuda_is_float16_everywhere_without_4_bit_settings()
    {
        ConvertOptions resolved = Options() with { Target = ConversionTarget.Cuda };
        resolved = resolved.Resolve();

        Assert.Equal((ModelPrecision.Float16, ModelPrecision.Float16), (resolved.Precision!.Value, resolved.VisionPrecision!.Value));
        Assert.Null(resolved.Int4);
    }

    [Theory]
    [InlineData(ConversionTarget.Cpu)]
    [InlineData(ConversionTarget.Cuda)]
    public void An_explicit_precision_applies_to_both_graphs_unless_the_vision_precision_is_given(ConversionTarget target)
    {
        ConvertOptions uniform = (Options() with { Target = target, Precision = ModelPrecision.Int4 }).Resolve();
        Assert.Equal((ModelPrecision.Int4, ModelPrecision.Int4), (uniform.Precision!.Value, uniform.VisionPrecision!.Value));
        Assert.Equal(new Int4QuantizationOptions(), uniform.Int4);

        ConvertOptions mixed = (Options() with { Target = target, Precision = ModelPrecision.Int4, VisionPrecision = ModelPrecision.Float32 }).Resolve();
        Assert.Equal((ModelPrecision.Int4, ModelPrecision.Float32), (mixed.Precision!.Value, mixed.VisionPrecision!.Value));

        var custom = new Int4QuantizationOptions { AccuracyLevel = 1, BlockSize = 64 };
        Assert.Same(custom, (Options() with { Target = target, Int4 = custom }).Resolve().Int4);
    }

    [Fact]
    public void Unknown_targets_and_precisions_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (Options() with { Target = (ConversionTarget)7 }).Resolve());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Options() with { VisionPrecision = (ModelPrecision)9 }).Resolve());
    }

    [Theory]
    [InlineData(null, null, ModelPrecision.Int4, "int4")]
    [InlineData(ModelPrecision.Int4, ModelPrecision.Float16, ModelPrecision.Float16, "int4")]
    [InlineData(ModelPrecision.Float16, ModelPrecision.Int4, ModelPrecision.Int4, "fp16")]
    [InlineData(ModelPrecision.Float32, null, ModelPrecision.Float32, "fp32")]
    public void The_converter_exports_each_graph_in_its_resolved_precision(ModelPrecision? precision, ModelPrecision? vision, ModelPrecision expectedVision, string manifestPrecision)
    {
        TinyModelGenerator.Generate(_root.File("hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 28 });
        var exporter = new RecordingExporter();
        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(
            new ConvertOptions { InputDirectory = _root.File("hf"), OutputDirectory = _root.File("out"), Precision = precision, VisionPrecision = vision }, exporter);

        ModelPrecision expectedDecoder = precision ?? ConvertOptions.CpuAutoPrecision;
        Assert.Equal(expectedDecoder, exporter.Precisions["decoder"].Precision);
        Assert.Equal(vision is null && precision is null ? ConvertOptions.CpuAutoVisionPrecision : expectedVision, exporter.Precisions["vision"].Precision);
        Assert.Equal(manifestPrecision, manifest.Precision);
        bool anyInt4 = expectedDecoder == ModelPrecision.Int4 || exporter.Precisions["vision"].Precision == ModelPrecision.Int4;
        Assert.Equal(anyInt4, exporter.Precisions["vision"].Int4 is not null);
        Assert.Equal(anyInt4, exporter.Precisions["decoder"].Int4 is not null);
    }

    [Fact]
    public void A_float16_vision_tower_next_to_a_4_bit_decoder_has_no_MatMulNBits()
    {
        TinyModelGenerator.Generate(_root.File("hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 28 });
        PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = _root.File("hf"),
            OutputDirectory = _root.File("mixed"),
            Precision = ModelPrecision.Int4,
            VisionPrecision = ModelPrecision.Float16,
        });

        Assert.DoesNotContain(Graph("vision.onnx").Node, n => n.OpType == "MatMulNBits");
        Assert.Contains(Graph("vision.onnx").Initializer, t => t.DataType == 10); // float16 weights
        Assert.Contains(Graph("decoder.onnx").Node, n => n.OpType == "MatMulNBits");
        using PaliGemmaModel model = PaliGemmaModel.Load(_root.File("mixed"));
        float[] features = model.EncodeImage(new float[3 * 28 * 28]);
        Assert.NotEmpty(model.Generate(features, model.BuildPromptIds("caption en"), new PaliGemmaGenerationSettings { MaxNewTokens = 2 }));
    }

    [Fact]
    public void The_transformers_js_layout_refuses_a_separate_vision_precision()
    {
        TinyModelGenerator.Generate(_root.File("hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 28 });
        var ex = Assert.Throws<ArgumentException>(() => PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = _root.File("hf"),
            OutputDirectory = _root.File("tjs"),
            Layout = ModelLayout.TransformersJs,
            Precision = ModelPrecision.Float32,
            VisionPrecision = ModelPrecision.Float16,
        }));
        Assert.Contains("one precision", ex.Message, StringComparison.Ordinal);
    }

    private global::Onnx.GraphProto Graph(string file)
    {
        using FileStream stream = File.OpenRead(Path.Combine(_root.File("mixed"), file));
        return global::Onnx.ModelProto.Parser.ParseFrom(stream).Graph;
    }

    private ConvertOptions Options() => new() { InputDirectory = _root.File("hf"), OutputDirectory = _root.File("out") };
}
