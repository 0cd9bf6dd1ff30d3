using System.Globalization;
using Google.Protobuf;
using Onnx;
using PaliGemma.ModelFormat;

namespace PaliGemma.Onnx.GraphBuilding;

/// <summary>
/// Builds one ONNX graph (opset 17, plus <c>com.microsoft</c> when a node uses it) with named typed
/// inputs/outputs, auto-named intermediate tensors, inline constants and external weights.
/// Weights go through an <see cref="ExternalDataWriter"/> into <c>&lt;model&gt;.onnx.data</c> as they are added.
/// </summary>
internal sealed class OnnxGraphBuilder : IDisposable
{
    /// <summary>The default-domain opset the graphs target.</summary>
    public const int OpsetVersion = 17;

    /// <summary>The Microsoft contrib-op domain.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private readonly GraphProto _graph;
    private readonly ExternalDataWriter _data;
    private readonly string _onnxPath;
    private readonly HashSet<string> _domains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constantCache = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>
    /// Starts a graph that will be saved at <paramref name="onnxPath"/> with weights in <paramref name="dataPath"/>
    /// (default <c>onnxPath + ModelFileNames.ExternalDataSuffix</c>; it must be in the same folder, as tensors record only its file name).
    /// </summary>
    public OnnxGraphBuilder(string graphName, string onnxPath, string? dataPath = null)
    {
        _onnxPath = onnxPath;
        _graph = new GraphProto { Name = graphName };
        _data = new ExternalDataWriter(dataPath ?? DefaultDataPath(onnxPath));
    }

    /// <summary>The external data file of <paramref name="onnxPath"/> in this project's layout: <c>onnxPath + ModelFileNames.ExternalDataSuffix</c>.</summary>
    public static string DefaultDataPath(string onnxPath) => onnxPath + ModelFileNames.ExternalDataSuffix;

    /// <summary>Gets or sets a prefix for node names (readability only).</summary>
    public string Scope { get; set; } = string.Empty;

    /// <summary>Gets the number of bytes of weights written so far.</summary>
    public long WeightBytes => _data.Length;

    /// <summary>Declares a graph input.</summary>
    public string Input(string name, ElementType type, params Dim[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares a graph output produced by the tensor <paramref name="name"/>.</summary>
    public void Output(string name, ElementType type, params Dim[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Op(string opType, params string[] inputs) => Op(opType, inputs, []);

    /// <summary>Adds a node with one output and attributes, optionally naming the output.</summary>
    public string Op(string opType, string[] inputs, AttributeProto[] attributes, string? output = null, string domain = "")
    {
        output ??= NewName(opType);
        AddNode(opType, inputs, [output], attributes, domain);
        return output;
    }

    /// <summary>Adds a node with several outputs and returns their names.</summary>
    public string[] OpMulti(string opType, string[] inputs, int outputCount, AttributeProto[] attributes, string domain = "")
    {
        string[] outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            outputs[i] = NewName(opType);
        }

        AddNode(opType, inputs, outputs, attributes, domain);
        return outputs;
    }

    /// <summary>Returns an inline 1-D int64 constant.</summary>
    public string ConstI64(params long[] values) =>
        Cached("i64:" + string.Join(',', values), () => Inline(values, [values.Length]));

    /// <summary>Returns an inline 0-D (scalar) int64 constant.</summary>
    public string ScalarI64(long value) => Cached("si64:" + value.ToString(CultureInfo.InvariantCulture), () => Inline([value], []));

    /// <summary>Returns an inline 0-D (scalar) float32 constant.</summary>
    public string ScalarF32(float value) =>
        Cached("sf32:" + BitConverter.SingleToInt32Bits(value).ToString(CultureInfo.InvariantCulture), () => Inline([value], []));

    /// <summary>Adds a small float32 tensor inline in the model file.</summary>
    public string InlineF32(string name, float[] values, long[] dims) =>
        AddInline(name, ElementType.Float, dims, t => t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>Writes a weight to the external data file as float32 or float16 and registers it as an initializer.</summary>
    public string Weight(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims, bool float16)
    {
        TensorProto t = float16 ? _data.WriteFloat16(name, values, dims) : _data.WriteFloat32(name, values, dims);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Writes raw bytes of <paramref name="type"/> elements to the external data file and registers them as an initializer.</summary>
    public string RawWeight(string name, ReadOnlySpan<byte> bytes, ElementType type, IReadOnlyList<long> dims)
    {
        _graph.Initializer.Add(_data.WriteBytes(name, bytes, (int)type, dims));
        return name;
    }

    /// <summary>Reserves <paramref name="bytes"/> in the external data file for a weight written in slices; returns the offset.</summary>
    public long ReserveData(long bytes) => _data.Reserve(bytes);

    /// <summary>Writes a slice of a weight into a region returned by <see cref="ReserveData"/>.</summary>
    public void WriteData(long offset, ReadOnlySpan<byte> bytes) => _data.WriteAt(offset, bytes);

    /// <summary>Registers an initializer over a region of the external data file filled with <see cref="WriteData"/>.</summary>
    public string ReservedWeight(string name, ElementType type, IReadOnlyList<long> dims, long offset, long length)
    {
        _graph.Initializer.Add(_data.DescribeReserved(name, (int)type, dims, offset, length));
        return name;
    }

    /// <summary>Writes the model (IR 8) next to its data file.</summary>
    public void Save(string producerVersion)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "PaliGemma.Onnx",
            ProducerVersion = producerVersion,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        foreach (string domain in _domains)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });
        }

        _data.Dispose();
        using var stream = new FileStream(_onnxPath, FileMode.Create, FileAccess.Write, FileShare.None);
        using var output = new CodedOutputStream(stream);
        model.WriteTo(output);
    }

    /// <inheritdoc />
    public void Dispose() => _data.Dispose();

    private static ValueInfoProto ValueInfo(string name, ElementType type, Dim[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (Dim d in dims)
        {
            shape.Dim.Add(d.Symbol is null
                ? new TensorShapeProto.Types.Dimension { DimValue = d.Value }
                : new TensorShapeProto.Types.Dimension { DimParam = d.Symbol });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private void AddNode(string opType, string[] inputs, string[] outputs, AttributeProto[] attributes, string domain)
    {
        var node = new NodeProto { OpType = opType, Name = NewName((Scope.Length > 0 ? Scope + "/" : string.Empty) + opType), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        if (domain.Length > 0)
        {
            _domains.Add(domain);
        }

        _graph.Node.Add(node);
    }

    private string NewName(string hint) => hint + "_" + (_counter++).ToString(CultureInfo.InvariantCulture);

    private string Cached(string key, Func<string> create)
    {
        if (!_constantCache.TryGetValue(key, out string? name))
        {
            name = create();
            _constantCache[key] = name;
        }

        return name;
    }

    private string Inline(long[] values, long[] dims) =>
        AddInline(NewName("const_i64"), ElementType.Int64, dims, t => t.Int64Data.AddRange(values));

    private string Inline(float[] values, long[] dims) =>
        AddInline(NewName("const_f32"), ElementType.Float, dims, t => t.FloatData.AddRange(values));

    /// <summary>Registers a tensor stored in the model file itself; <paramref name="fill"/> writes its values.</summary>
    private string AddInline(string name, ElementType type, long[] dims, Action<TensorProto> fill)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.AddRange(dims);
        fill(t);
        _graph.Initializer.Add(t);
        return name;
    }
}
