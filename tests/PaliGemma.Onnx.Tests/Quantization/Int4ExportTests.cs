using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;
using PaliGemma.Onnx.Tests.Reference;
using PaliGemma.Onnx.Tiny;
using Xunit.Abstractions;
using N = PaliGemma.Onnx.Checkpoints.PaliGemmaTensorNames;

namespace PaliGemma.Onnx.Tests.Quantization;

/// <summary>
/// int4 exports under ONNX Runtime and ONNX Runtime GenAI. With accuracy_level 1 (float32 compute) MatMulNBits must equal
/// a float32 reference run on the dequantised weights, which checks the packing end to end.
/// </summary>
public sealed class Int4ExportTests(ITestOutputHelper output)
{
    private const double ExactTolerance = 1e-3;

    /// <summary>The checkpoint as the int4 graph sees it: linear weights dequantised, embedding table rounded to float16.</summary>
    internal static EditedCheckpoint AsQuantized(PaliGemmaConfig config, ICheckpointReader weights, Int4QuantizationOptions options, out float[] head)
    {
        var replaced = new Dictionary<string, (long[], float[])>();
        foreach (TensorInfo info in N.AllTensors(config))
        {
            float[] w = weights.Read(info.Name);
            if (IsLinear(info.Name))
            {
                replaced[info.Name] = (info.Shape.ToArray(), RoundTrip(w, info.Shape[0], info.Shape[1], options));
            }
            else if (info.Name == N.EmbedTokens)
            {
                replaced[info.Name] = (info.Shape.ToArray(), w.Select(v => (float)(Half)v).ToArray());
            }
        }

        float[] embed = weights.Read(N.EmbedTokens);
        head = RoundTrip(embed, config.Text.VocabSize, config.Text.HiddenSize, options with { BlockSize = options.HeadBlockSize });
        return new EditedCheckpoint(weights, hidden: replaced.Keys, added: replaced);
    }

    private static bool IsLinear(string name) =>
        name == N.ProjectorWeight || name.EndsWith("_proj.weight", StringComparison.Ordinal) || name.EndsWith(".fc1.weight", StringComparison.Ordinal) || name.EndsWith(".fc2.weight", StringComparison.Ordinal);

    private static float[] RoundTrip(float[] w, long rows, long columns, Int4QuantizationOptions o) =>
        Int4BlockQuantizer.Quantize(w, (int)rows, (int)columns, o.BlockSize, o.Symmetric).Dequantize();

    [Theory]
    [InlineData(1, true, 32)]
    [InlineData(1, false, 64)]
    [InlineData(2, true, 32)]
    [InlineData(2, false, 32)]
    [InlineData(2, false, 16)]
    public void Int4_decoder_equals_reference_on_dequantised_weights(int generation, bool symmetric, int blockSize)
    {
        PaliGemmaConfig config = DecoderGraphTests.Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 41);
        using var dir = new TempFolder();
        var options = new Int4QuantizationOptions { BlockSize = blockSize, Symmetric = symmetric, AccuracyLevel = 1 };
        string path = dir.File("decoder.onnx");
        DecoderGraphExporter.Export(config, weights, path, ModelPrecision.Int4, new DecoderExportOptions { Int4 = options });

        int rows = config.Vision.NumPatches;
        int[] prompt = DecoderGraphTests.Prompt(config, rows, 60, 61, 62);
        int[] generated = [70, 71];
        float[] features = DecoderGraphTests.Features(config, rows, seed: 42);
        using var d = new RawDecoder(path, config);
        var actual = new List<float>(d.Step(prompt, features));
        foreach (int token in generated)
        {
            actual.AddRange(d.Step([token], features));
        }

        using EditedCheckpoint quantized = AsQuantized(config, weights, options, out float[] head);
        float[] expected = ReferenceGemma.Logits(config, quantized, [.. prompt, .. generated], features, prefixLength: prompt.Length, lmHead: head);
        float diff = RefMath.MaxAbsDiff(actual.ToArray(), expected);
        output.WriteLine($"PG{generation} int4 (block {blockSize}, symmetric={symmetric}, accuracy_level 1) vs reference on dequantised weights: max |diff| = {diff:E3}");
        Assert.True(diff < ExactTolerance, $"max abs diff {diff}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Int4_vision_equals_reference_on_dequantised_weights(bool symmetric)
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1(28);
        using var weights = new RandomCheckpoint(config, seed: 43);
        using var dir = new TempFolder();
        var options = new Int4QuantizationOptions { Symmetric = symmetric, AccuracyLevel = 1 };
        string path = dir.File("vision.onnx");
        VisionGraphExporter.Export(config, weights, path, ModelPrecision.Int4, options);

        float[] pixels = VisionGraphTests.Pixels(2, 28, seed: 44);
        float[] actual = VisionGraphTests.RunVision(path, pixels, 2, 28, out _);
        using EditedCheckpoint quantized = AsQuantized(config, weights, options, out _);
        float[] expected = ReferenceSiglip.Run(config, quantized, pixels, 2);
        float diff = RefMath.MaxAbsDiff(actual, expected);
        output.WriteLine($"vision int4 symmetric={symmetric}: max |diff| = {diff:E3} (max |value| {expected.Max(Math.Abs):F3})");
        Assert.True(diff < ExactTolerance, $"max abs diff {diff}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Int4_decoder_runs_under_GenAi_with_int8_compute_close_to_dequantised_reference(int generation)
    {
        PaliGemmaConfig config = DecoderGraphTests.Config(generation);
        using var weights = new RandomCheckpoint(config, seed: 45);
        using var dir32 = new TempFolder();
        using var dir4 = new TempFolder();
        int rows = config.Vision.NumPatches;
        int[] prompt = DecoderGraphTests.Prompt(config, rows, 80, 81);
        float[] features = DecoderGraphTests.Features(config, rows, seed: 46);
        const int Steps = 8;

        (List<float[]> full, List<int> fullTokens) = GenAiDecoderTests.Generate(GenAiDecoderTests.ExportFolder(config, weights, dir32), prompt, features, config.Text.HiddenSize, Steps);
        (List<float[]> q4, List<int> q4Tokens) = GenAiDecoderTests.Generate(GenAiDecoderTests.ExportFolder(config, weights, dir4, ModelPrecision.Int4), prompt, features, config.Text.HiddenSize, Steps);

        // int8 activations (accuracy_level 4) against the exact float32 result on the same dequantised weights.
        using EditedCheckpoint quantized = AsQuantized(config, weights, new Int4QuantizationOptions(), out float[] head);
        float[] exact = ReferenceGemma.Logits(config, quantized, [.. prompt, .. q4Tokens], features, prefixLength: prompt.Length, lmHead: head);
        int vocab = config.Text.VocabSize;
        float int8Error = 0;
        for (int k = 0; k < q4.Count; k++)
        {
            int8Error = Math.Max(int8Error, RefMath.MaxAbsDiff(q4[k], exact.AsSpan((prompt.Length - 1 + k) * vocab, vocab)));
        }

        float scale = exact.Max(Math.Abs);
        float vsFloat32 = RefMath.MaxAbsDiff(full[0], q4[0]);
        int agree = fullTokens.Zip(q4Tokens).Count(p => p.First == p.Second);
        output.WriteLine($"PG{generation} int4 under GenAI: int8-compute error vs dequantised reference {int8Error:E3} (max |logit| {scale:F3}); vs fp32 weights first-step max |diff| {vsFloat32:E3}; greedy agreement {agree}/{Steps} (tiny random model); tokens fp32 {string.Join(',', fullTokens)} int4 {string.Join(',', q4Tokens)}");
        Assert.Equal(Steps, q4Tokens.Count);
        Assert.True(int8Error < 0.04 * scale, $"int4 logits differ from the dequantised reference by {int8Error} (max |logit| {scale})");

        long size32 = new FileInfo(dir32.File("decoder.onnx.data")).Length;
        long size4 = new FileInfo(dir4.File("decoder.onnx.data")).Length;
        output.WriteLine($"decoder data: fp32 {size32} bytes, int4 {size4} bytes");
        Assert.True(size4 < size32 / 2, $"int4 data {size4} vs fp32 {size32}");
    }

    [Fact]
    public void Int4_conversion_writes_MatMulNBits_and_an_int4_manifest()
    {
        using var root = new TempFolder();
        TinyCheckpoint tiny = TinyModelGenerator.Generate(root.File("hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma1, ImageSize = 28, Seed = 5 });
        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = tiny.Folder,
            OutputDirectory = root.File("int4"),
            Precision = ModelPrecision.Int4,
            Int4 = new Int4QuantizationOptions { BlockSize = 64, Symmetric = false, HeadBlockSize = 32 },
        });
        Assert.Equal("int4", manifest.Precision);

        foreach (string graph in new[] { "vision.onnx", "decoder.onnx" })
        {
            using var stream = File.OpenRead(Path.Combine(root.File("int4"), graph));
            var model = global::Onnx.ModelProto.Parser.ParseFrom(stream);
            var nodes = model.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
            Assert.NotEmpty(nodes);
            Assert.All(nodes, n =>
            {
                Assert.Equal("com.microsoft", n.Domain);
                Assert.Equal(4, n.Input.Count);
                // The tied head's 4-bit copy has its own block size (Int4QuantizationOptions.HeadBlockSize).
                Assert.Equal(n.Input[1].Contains(".int4_head", StringComparison.Ordinal) ? 32 : 64, n.Attribute.Single(a => a.Name == "block_size").I);
                Assert.Equal(4, n.Attribute.Single(a => a.Name == "bits").I);
            });
            Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "MatMul" && model.Graph.Initializer.Any(i => n.Input.Contains(i.Name)));
        }

        Assert.Throws<ArgumentException>(() => PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = tiny.Folder,
            OutputDirectory = root.File("bad"),
            Precision = ModelPrecision.Int4,
            Int4 = new Int4QuantizationOptions { BlockSize = 24 },
        }));
    }
}
