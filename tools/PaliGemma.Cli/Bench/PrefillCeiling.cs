using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// The prefill ceiling: how long ONNX Runtime takes to run just the decoder's own linear layers at the prompt length, in
/// the folder's precision and quantisation. Every distinct linear shape of <c>decoder.onnx</c> (MatMul on a float32 or
/// float16 weight, <c>com.microsoft.MatMulNBits</c> with the same K, N, bits, block size and accuracy level) becomes a
/// one-node graph with random weights, timed on a [prompt, K] input with the model's thread count, and counted as often
/// as the decoder uses it. The head, which a last-token-logits decoder runs on one row only, streams its weights once:
/// it is counted at its bytes over the measured memory bandwidth. Attention, norms and the rest are left out, so a
/// real prefill cannot beat this time: prefill ÷ ceiling says how close the whole graph gets to its matmuls alone.
/// </summary>
internal static class PrefillCeiling
{
    private const int FloatType = 1;
    private const int Uint8Type = 2;
    private const int Float16Type = 10;

    /// <summary>Measures the ceiling.</summary>
    /// <param name="modelFolder">The model folder (its <c>decoder.onnx</c> is read, not its weights).</param>
    /// <param name="promptTokens">Rows of the activation (the prompt length).</param>
    /// <param name="threads">Intra-op threads, as the model's sessions use.</param>
    /// <param name="allowSpinning">Whether the worker threads spin.</param>
    /// <param name="bandwidthBytesPerSecond">Measured streaming-read bandwidth, for the one-row head.</param>
    /// <param name="runs">Timed runs per shape (median), after one warm-up.</param>
    /// <param name="accuracyLevel">Overrides MatMulNBits' accuracy level (what-if), or null for the folder's.</param>
    /// <param name="blockSize">Overrides MatMulNBits' block size (what-if), or null for the folder's.</param>
    public static PrefillCeilingResult Measure(string modelFolder, int promptTokens, int threads, bool allowSpinning, double bandwidthBytesPerSecond, int runs, int? accuracyLevel = null, int? blockSize = null)
    {
        List<LinearShape> shapes = ReadShapes(Path.Combine(modelFolder, ModelFileNames.Decoder), promptTokens);
        double linearMs = 0;
        double headMs = 0;
        var parts = new List<string>();
        foreach (var group in shapes.GroupBy(s => s with { Name = string.Empty }))
        {
            LinearShape shape = group.Key;
            if (accuracyLevel is int level && shape.Op == "MatMulNBits")
            {
                shape = shape with { AccuracyLevel = level };
            }

            if (blockSize is int block && shape.Op == "MatMulNBits")
            {
                shape = shape with { BlockSize = block, HasZeroPoints = false };
            }

            int count = group.Count();
            if (shape.Rows == 1)
            {
                double ms = 1000.0 * shape.WeightBytes / bandwidthBytesPerSecond;
                headMs += ms * count;
                parts.Add($"{shape.Describe()} ×{count}: {ms.ToString("F1", CultureInfo.InvariantCulture)} ms (one row: bytes / bandwidth)");
                continue;
            }

            double each = Time(shape, threads, allowSpinning, runs);
            linearMs += each * count;
            parts.Add($"{shape.Describe()} ×{count}: {each.ToString("F1", CultureInfo.InvariantCulture)} ms each");
        }

        return new PrefillCeilingResult(linearMs + headMs, linearMs, headMs, shapes.Count, parts);
    }

    /// <summary>The linear layers of a decoder graph (the file only; external weights are not read).</summary>
    internal static List<LinearShape> ReadShapes(string decoderPath, int promptTokens)
    {
        ModelProto model;
        using (FileStream stream = File.OpenRead(decoderPath))
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }

        GraphProto graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        ValueInfoProto? logits = graph.Output.FirstOrDefault(o => o.Name == DecoderGraphNames.Logits);
        bool lastTokenOnly = logits?.Type.TensorType.Shape.Dim is { Count: 3 } dims && dims[1].DimValue == 1;
        long vocab = logits?.Type.TensorType.Shape.Dim is { Count: 3 } d ? d[2].DimValue : 0;

        var shapes = new List<LinearShape>();
        foreach (NodeProto node in graph.Node)
        {
            if (node.Input.Count < 2 || !initializers.TryGetValue(node.Input[1], out TensorProto? weight))
            {
                continue;
            }

            LinearShape? shape = node.OpType switch
            {
                "MatMul" when weight.Dims.Count == 2 => new LinearShape(node.Name, "MatMul", weight.Dims[0], weight.Dims[1], weight.DataType, 0, 0, 0, false, 0),
                "Gemm" when weight.Dims.Count == 2 && node.Attribute.Any(a => a.Name == "transB" && a.I == 1) => new LinearShape(node.Name, "MatMul", weight.Dims[1], weight.Dims[0], weight.DataType, 0, 0, 0, false, 0),
                "MatMulNBits" => new LinearShape(
                    node.Name, "MatMulNBits", Attr(node, "K"), Attr(node, "N"), FloatType, (int)Attr(node, "bits"), (int)Attr(node, "block_size"), (int)Attr(node, "accuracy_level"),
                    node.Input.Count > 3 && node.Input[3].Length > 0, 0),
                _ => null,
            };
            if (shape is null)
            {
                continue;
            }

            bool head = vocab > 0 && shape.N == vocab;
            shapes.Add(shape with { Rows = head && lastTokenOnly ? 1 : promptTokens });
        }

        if (shapes.Count == 0)
        {
            throw new InvalidDataException($"'{decoderPath}' has no MatMul, Gemm or MatMulNBits node on a weight initializer.");
        }

        return shapes;
    }

    private static long Attr(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? throw new InvalidDataException($"MatMulNBits node '{node.Name}' has no '{name}' attribute.");

    private static double Time(LinearShape shape, int threads, bool allowSpinning, int runs)
    {
        byte[] graph = BuildGraph(shape);
        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        using var session = new InferenceSession(graph, options);
        var rng = new Random(11);
        var input = new float[shape.Rows * shape.K];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)(rng.NextDouble() - 0.5);
        }

        using var x = OrtValue.CreateTensorValueFromMemory(input, [shape.Rows, shape.K]);
        using var runOptions = new RunOptions();
        string[] inputNames = ["x"];
        string[] outputNames = ["y"];
        session.Run(runOptions, inputNames, [x], outputNames).Dispose();
        var times = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            session.Run(runOptions, inputNames, [x], outputNames).Dispose();
            times[r] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }

    /// <summary>A one-node graph <c>y = x · W</c> for the shape, with random weights.</summary>
    internal static byte[] BuildGraph(LinearShape s)
    {
        var rng = new Random(7);
        var graph = new GraphProto { Name = "prefill_ceiling" };
        graph.Input.Add(Value("x", FloatType, s.Rows, s.K));
        graph.Output.Add(Value("y", FloatType, s.Rows, s.N));
        if (s.Op == "MatMulNBits")
        {
            long blocks = (s.K + s.BlockSize - 1) / s.BlockSize;
            long blockBytes = s.BlockSize * s.Bits / 8;
            graph.Initializer.Add(Tensor("w", Uint8Type, RandomBytes(rng, s.N * blocks * blockBytes), s.N, blocks, blockBytes));
            var scales = new float[s.N * blocks];
            for (int i = 0; i < scales.Length; i++)
            {
                scales[i] = (float)(0.001 + (0.01 * rng.NextDouble()));
            }

            graph.Initializer.Add(Tensor("scales", FloatType, System.Runtime.InteropServices.MemoryMarshal.AsBytes(scales.AsSpan()).ToArray(), s.N * blocks));
            var inputs = new List<string> { "x", "w", "scales" };
            if (s.HasZeroPoints)
            {
                long zeroBytes = s.N * ((blocks + 1) / 2);
                graph.Initializer.Add(Tensor("zp", Uint8Type, RandomBytes(rng, zeroBytes), zeroBytes));
                inputs.Add("zp");
            }

            var node = new NodeProto { OpType = "MatMulNBits", Domain = "com.microsoft", Name = "linear" };
            node.Input.AddRange(inputs);
            node.Output.Add("y");
            node.Attribute.Add(IntAttr("K", s.K));
            node.Attribute.Add(IntAttr("N", s.N));
            node.Attribute.Add(IntAttr("bits", s.Bits));
            node.Attribute.Add(IntAttr("block_size", s.BlockSize));
            node.Attribute.Add(IntAttr("accuracy_level", s.AccuracyLevel));
            graph.Node.Add(node);
        }
        else if (s.WeightType == Float16Type)
        {
            var w = new Half[s.K * s.N];
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (Half)(float)((rng.NextDouble() - 0.5) * 0.1);
            }

            graph.Initializer.Add(Tensor("w", Float16Type, System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), s.K, s.N));
            graph.Node.Add(Node("Cast", ["x"], "xh", IntAttr("to", Float16Type)));
            graph.Node.Add(Node("MatMul", ["xh", "w"], "yh"));
            graph.Node.Add(Node("Cast", ["yh"], "y", IntAttr("to", FloatType)));
        }
        else
        {
            var w = new float[s.K * s.N];
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (float)((rng.NextDouble() - 0.5) * 0.1);
            }

            graph.Initializer.Add(Tensor("w", FloatType, System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan()).ToArray(), s.K, s.N));
            graph.Node.Add(Node("MatMul", ["x", "w"], "y"));
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "paligemma-bench", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        return model.ToByteArray();
    }

    private static byte[] RandomBytes(Random rng, long count)
    {
        var bytes = new byte[count];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto IntAttr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static TensorProto Tensor(string name, int type, byte[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = type, RawData = ByteString.CopyFrom(data) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static ValueInfoProto Value(string name, int type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }
}

/// <summary>One linear layer of the decoder as the ceiling times it.</summary>
/// <param name="Name">The node name (ignored when grouping equal shapes).</param>
/// <param name="Op"><c>MatMul</c> (float weight [K, N]) or <c>MatMulNBits</c>.</param>
/// <param name="K">Input features.</param>
/// <param name="N">Output features.</param>
/// <param name="WeightType">ONNX element type of a MatMul weight (1 float32, 10 float16); 1 for MatMulNBits.</param>
/// <param name="Bits">MatMulNBits bits.</param>
/// <param name="BlockSize">MatMulNBits block size.</param>
/// <param name="AccuracyLevel">MatMulNBits accuracy level.</param>
/// <param name="HasZeroPoints">Whether MatMulNBits has a zero-point input (asymmetric).</param>
/// <param name="Rows">Activation rows: the prompt length, or 1 for a last-token head.</param>
internal sealed record LinearShape(string Name, string Op, long K, long N, int WeightType, int Bits, int BlockSize, int AccuracyLevel, bool HasZeroPoints, int Rows)
{
    /// <summary>Gets the weight bytes one run reads.</summary>
    public long WeightBytes => Op == "MatMulNBits"
        ? (N * ((K + BlockSize - 1) / BlockSize) * ((BlockSize * Bits / 8) + 4))
        : K * N * (WeightType == 10 ? 2 : 4);

    /// <summary>A short description, e.g. <c>MatMulNBits 260×2048×16384 int4 b32 acc4</c>.</summary>
    public string Describe() => Op == "MatMulNBits"
        ? $"MatMulNBits {Rows}×{K}×{N} int{Bits} b{BlockSize} acc{AccuracyLevel}{(HasZeroPoints ? " asym" : string.Empty)}"
        : $"MatMul {Rows}×{K}×{N} {(WeightType == 10 ? "fp16" : "fp32")}";
}

/// <summary>The prefill ceiling.</summary>
/// <param name="Ms">Linear layers at the prompt length plus the one-row head.</param>
/// <param name="LinearMs">The timed part.</param>
/// <param name="HeadMs">The one-row head at the memory bandwidth.</param>
/// <param name="Layers">Linear layers counted.</param>
/// <param name="Parts">One line per distinct shape.</param>
internal sealed record PrefillCeilingResult(double Ms, double LinearMs, double HeadMs, int Layers, IReadOnlyList<string> Parts);
