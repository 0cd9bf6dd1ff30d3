using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Segmentation;

public sealed class MaskDecoderTests(ITestOutputHelper output)
{
    [Fact]
    public void Decodes_all_20_fixtures_within_1e_4()
    {
        using MaskDecoder decoder = MaskDecoder.Load(SegmentationFixtures.DecoderPath);
        Assert.Equal(128, decoder.CodebookSize);
        int[][] codes = SegmentationFixtures.Codes();
        double worst = 0;
        for (int i = 0; i < codes.Length; i++)
        {
            float[] actual = decoder.DecodeLogits(codes[i]);
            float[] expected = SegmentationFixtures.Logits(i);
            Assert.Equal(4096, actual.Length);
            worst = Math.Max(worst, expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)));
        }

        output.WriteLine($"MaskDecoder vs Python reference (20 cases): max |diff| = {worst:E3}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (int[] c in codes)
        {
            _ = decoder.DecodeLogits(c);
        }

        output.WriteLine($"informational: {clock.Elapsed.TotalMilliseconds / codes.Length:F2} ms per mask (single-threaded, after warm-up)");
        Assert.True(worst <= 1e-4, $"max |diff| {worst}");
    }

    [Fact]
    public void Concurrent_decodes_match_sequential_ones()
    {
        using MaskDecoder decoder = MaskDecoder.Load(SegmentationFixtures.DecoderPath);
        int[][] codes = SegmentationFixtures.Codes();
        float[][] sequential = codes.Select(c => decoder.DecodeLogits(c)).ToArray();
        var parallel = new float[codes.Length * 3][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = decoder.DecodeLogits(codes[i % codes.Length]));
        for (int i = 0; i < parallel.Length; i++)
        {
            Assert.Equal(sequential[i % codes.Length], parallel[i]);
        }
    }

    [Theory]
    [InlineData(15, 0)]
    [InlineData(17, 0)]
    [InlineData(0, 0)]
    [InlineData(16, 128)]
    [InlineData(16, -1)]
    [InlineData(16, int.MaxValue)]
    public void Bad_codes_throw_argument_exception(int count, int badCode)
    {
        using MaskDecoder decoder = MaskDecoder.Load(SegmentationFixtures.DecoderPath);
        int[] codes = new int[count];
        if (count > 0)
        {
            codes[count - 1] = badCode;
        }

        var ex = Assert.Throws<ArgumentException>(() => decoder.DecodeLogits(codes));
        Assert.Equal("codes", ex.ParamName);
    }

    [Fact]
    public void Missing_and_corrupt_files_are_reported()
    {
        string dir = Path.Combine(Path.GetTempPath(), "pg-masks-bad-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            Assert.Throws<FileNotFoundException>(() => MaskDecoder.Load(Path.Combine(dir, "absent.onnx")));
            string garbage = Path.Combine(dir, "garbage.onnx");
            File.WriteAllText(garbage, "not a model");
            var ex = Assert.Throws<InvalidDataException>(() => MaskDecoder.Load(garbage));
            Assert.Contains("garbage.onnx", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("codes", 6, 16, 64, "input 'codes'")]
    [InlineData("tokens", 7, 16, 64, "exactly one input 'codes'")]
    [InlineData("codes", 7, 8, 64, "input 'codes'")]
    [InlineData("codes", 1, 16, 64, "input 'codes'")]
    [InlineData("codes", 7, 16, 32, "output 'logits'")]
    public void Models_with_the_wrong_signature_are_rejected(string inputName, int inputType, int codes, int side, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), "pg-masks-sig-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "m.onnx");
            WriteConstantModel(path, inputName, inputType, codes, side);
            var ex = Assert.Throws<InvalidDataException>(() => MaskDecoder.Load(path));
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A model that ignores its input and outputs a constant [1, side, side] tensor.</summary>
    private static void WriteConstantModel(string path, string inputName, int inputType, int codes, int side)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(Info(inputName, inputType, ["batch", codes]));
        graph.Output.Add(Info("logits", 1, ["batch", side, side]));
        var value = new TensorProto { DataType = 1 };
        value.Dims.AddRange([1, side, side]);
        value.FloatData.AddRange(new float[side * side]);
        var node = new NodeProto { OpType = "Constant" };
        node.Output.Add("logits");
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private static ValueInfoProto Info(string name, int type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d is string s ? new TensorShapeProto.Types.Dimension { DimParam = s } : new TensorShapeProto.Types.Dimension { DimValue = (int)d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }
}
