using System.Text.Json;
using Google.Protobuf;
using Onnx;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests;

/// <summary>Graph I/O contract, external data layout, configuration file and error handling.</summary>
public sealed class ExportContractTests(ITestOutputHelper output)
{
    private static ModelProto Load(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    [Fact]
    public void Decoder_declares_the_GenAi_io_contract()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 1);
        using var dir = new TempFolder();
        ModelProto model = Load(DecoderGraphTests.Export(config, weights, dir));
        var inputs = model.Graph.Input.ToDictionary(i => i.Name);
        var outputs = model.Graph.Output.ToDictionary(o => o.Name);

        static string Dims(ValueInfoProto v) => string.Join(",", v.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(7, inputs["input_ids"].Type.TensorType.ElemType);
        Assert.Equal(7, inputs["attention_mask"].Type.TensorType.ElemType);
        Assert.Equal(7, inputs["position_ids"].Type.TensorType.ElemType);
        Assert.Equal("batch_size,sequence_length", Dims(inputs["input_ids"]));
        Assert.Equal("batch_size,total_sequence_length", Dims(inputs["attention_mask"]));
        Assert.Equal("num_image_rows,64", Dims(inputs["image_features"]));
        Assert.Equal(1, inputs["image_features"].Type.TensorType.ElemType);
        Assert.Equal("batch_size,sequence_length,300", Dims(outputs["logits"]));
        Assert.Equal(1, outputs["logits"].Type.TensorType.ElemType);
        for (int l = 0; l < config.Text.NumHiddenLayers; l++)
        {
            Assert.Equal("batch_size,2,past_sequence_length,24", Dims(inputs[$"past_key_values.{l}.key"]));
            Assert.Equal("batch_size,2,past_sequence_length,24", Dims(inputs[$"past_key_values.{l}.value"]));
            Assert.Equal("batch_size,2,total_sequence_length,24", Dims(outputs[$"present.{l}.key"]));
            Assert.Equal("batch_size,2,total_sequence_length,24", Dims(outputs[$"present.{l}.value"]));
        }

        Assert.Equal(4 + (2 * config.Text.NumHiddenLayers), inputs.Count);
        Assert.Equal(1 + (2 * config.Text.NumHiddenLayers), outputs.Count);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType is "GroupQueryAttention" or "Trilu");
        Assert.Contains(model.OpsetImport, o => o.Domain.Length == 0 && o.Version == 17);
    }

    [Fact]
    public void Last_token_logits_variant_declares_a_static_one()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var weights = new RandomCheckpoint(config, seed: 8);
        using var dir = new TempFolder();
        string path = dir.File("decoder.onnx");
        DecoderGraphExporter.Export(config, weights, path, ModelPrecision.Float32, new DecoderExportOptions { LastTokenLogitsOnly = true });
        var dims = Load(path).Graph.Output.Single(o => o.Name == "logits").Type.TensorType.Shape.Dim;
        Assert.Equal("batch_size", dims[0].DimParam);
        Assert.Equal(1, dims[1].DimValue);
        Assert.Equal(config.Text.VocabSize, dims[2].DimValue);

        // Same numbers as the last row of the full-logits graph.
        int[] prompt = DecoderGraphTests.Prompt(config, 0, 9, 10, 11);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        float[] full;
        using var fullDir = new TempFolder();
        using (var d = new RawDecoder(DecoderGraphTests.Export(config, weights, fullDir), config))
        {
            full = d.Step(prompt, []);
        }

        var inputs = new List<Microsoft.ML.OnnxRuntime.NamedOnnxValue>
        {
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("input_ids", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(prompt.Select(i => (long)i).ToArray(), [1, prompt.Length])),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("attention_mask", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(Enumerable.Repeat(1L, prompt.Length).ToArray(), [1, prompt.Length])),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("position_ids", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(Enumerable.Range(0, prompt.Length).Select(i => (long)i).ToArray(), [1, prompt.Length])),
            Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("image_features", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(Array.Empty<float>(), [0, config.Text.HiddenSize])),
        };
        for (int l = 0; l < config.Text.NumHiddenLayers; l++)
        {
            foreach (string kind in new[] { "key", "value" })
            {
                inputs.Add(Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor($"past_key_values.{l}.{kind}", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(Array.Empty<float>(), [1, config.Text.NumKeyValueHeads, 0, config.Text.HeadDim])));
            }
        }

        using var results = session.Run(inputs);
        var logits = results.Single(r => r.Name == "logits").AsTensor<float>();
        Assert.Equal([1, 1, config.Text.VocabSize], logits.Dimensions.ToArray());
        Assert.True(RefMath.MaxAbsDiff(logits.ToArray(), full.AsSpan(full.Length - config.Text.VocabSize)) < 1e-5);
    }

    [Theory]
    [InlineData(ModelPrecision.Float32, 1)]
    [InlineData(ModelPrecision.Float16, 10)]
    public void All_weights_live_in_one_external_data_file(ModelPrecision precision, int matrixType)
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var weights = new RandomCheckpoint(config, seed: 2);
        using var dir = new TempFolder();
        string vision = dir.File("vision.onnx");
        VisionGraphExporter.Export(config, weights, vision, precision);
        DecoderGraphExporter.Export(config, weights, dir.File("decoder.onnx"), precision);

        // The decoder fuses each layer's q/k/v projections into one weight and gate/up into another: 3 fewer initializers per layer.
        int decoderInitializers = PaliGemmaTensorNames.TextTensors(config).Count - (3 * config.Text.NumHiddenLayers);
        foreach ((string file, int expected) in new[] { (vision, PaliGemmaTensorNames.VisionTensors(config).Count), (dir.File("decoder.onnx"), decoderInitializers) })
        {
            ModelProto model = Load(file);
            var external = model.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
            long dataLength = new FileInfo(file + ".data").Length;
            long next = 0;
            foreach (TensorProto t in external.OrderBy(t => long.Parse(t.ExternalData.Single(e => e.Key == "offset").Value, System.Globalization.CultureInfo.InvariantCulture)))
            {
                Assert.Equal(Path.GetFileName(file) + ".data", t.ExternalData.Single(e => e.Key == "location").Value);
                long offset = long.Parse(t.ExternalData.Single(e => e.Key == "offset").Value, System.Globalization.CultureInfo.InvariantCulture);
                long length = long.Parse(t.ExternalData.Single(e => e.Key == "length").Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(next, offset);
                Assert.Equal(t.Dims.Aggregate(1L, (a, b) => a * b) * (t.DataType == 10 ? 2 : 4), length);
                next = offset + length;
            }

            Assert.Equal(dataLength, next);
            Assert.Equal(expected, external.Count);
            Assert.All(model.Graph.Initializer.Where(t => t.DataLocation != TensorProto.Types.DataLocation.External), t => Assert.True(t.Dims.Aggregate(1L, (a, b) => a * b) <= config.Text.HiddenSize));
            Assert.All(external.Where(t => t.Dims.Count >= 2), t => Assert.Equal(matrixType, t.DataType));
            Assert.All(external.Where(t => t.Dims.Count == 1), t => Assert.Equal(1, t.DataType));
            output.WriteLine($"{Path.GetFileName(file)} {precision}: {external.Count} external tensors, {dataLength} bytes, model file {new FileInfo(file).Length} bytes");
        }
    }

    [Fact]
    public void Untied_lm_head_is_used_when_present()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var random = new RandomCheckpoint(config, seed: 3);
        using var other = new RandomCheckpoint(config, seed: 99);
        float[] head = other.Read(PaliGemmaTensorNames.EmbedTokens);
        using var weights = new EditedCheckpoint(random, added: new Dictionary<string, (long[], float[])> { [PaliGemmaTensorNames.LmHead] = ([config.Text.VocabSize, config.Text.HiddenSize], head) });
        using var dir = new TempFolder();
        string path = dir.File("decoder.onnx");
        DecoderGraphExporter.Export(config, weights, path, ModelPrecision.Float32);
        int[] prompt = DecoderGraphTests.Prompt(config, 0, 3, 4);
        using var decoder = new RawDecoder(path, config);
        float[] actual = decoder.Step(prompt, []);
        float diff = RefMath.MaxAbsDiff(actual, ReferenceGemma.Logits(config, random, prompt, [], prompt.Length, lmHead: head));
        Assert.True(diff < DecoderGraphTests.Tolerance, $"max abs diff {diff}");
    }

    [Fact]
    public void Missing_tensor_is_named_in_the_exception()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var random = new RandomCheckpoint(config, seed: 4);
        const string Name = "language_model.model.layers.1.pre_feedforward_layernorm.weight";
        using var weights = new EditedCheckpoint(random, hidden: [Name]);
        using var dir = new TempFolder();
        var ex = Assert.Throws<CheckpointException>(() => DecoderGraphExporter.Export(config, weights, dir.File("decoder.onnx"), ModelPrecision.Float32));
        Assert.Contains(Name, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("decoder.onnx")));
        Assert.False(File.Exists(dir.File("decoder.onnx.data")));
    }

    [Fact]
    public void Shape_mismatch_names_tensor_and_both_shapes()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var weights = new RandomCheckpoint(config, seed: 5);
        PaliGemmaConfig wider = config with { Vision = config.Vision with { IntermediateSize = 72 } };
        using var dir = new TempFolder();
        var ex = Assert.Throws<CheckpointException>(() => VisionGraphExporter.Export(wider, weights, dir.File("vision.onnx"), ModelPrecision.Float32));
        Assert.Contains("mlp.fc1.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[64, 32]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[72, 32]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 24, 257, "num_key_value_heads")]
    [InlineData(2, 23, 257, "head_dim")]
    [InlineData(2, 24, 300, "image_token_index")]
    public void Invalid_configuration_is_rejected(int kvHeads, int headDim, int imageToken, string named)
    {
        PaliGemmaConfig good = TinyConfigs.PaliGemma2();
        PaliGemmaConfig bad = good with { ImageTokenIndex = imageToken, Text = good.Text with { NumKeyValueHeads = kvHeads, HeadDim = headDim } };
        using var weights = new RandomCheckpoint(good, seed: 6);
        using var dir = new TempFolder();
        var ex = Assert.Throws<CheckpointException>(() => DecoderGraphExporter.Export(bad, weights, dir.File("decoder.onnx"), ModelPrecision.Float32));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenAi_config_has_decoder_schema_without_window_or_chunking()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var dir = new TempFolder();
        GenAiConfigWriter.Write(config, dir.Path, 512, GenAiConfigWriter.DefaultEosTokenIds(config));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(dir.File("genai_config.json")));
        JsonElement model = doc.RootElement.GetProperty("model");
        Assert.Equal("decoder", model.GetProperty("type").GetString());
        Assert.Equal([1, 107], model.GetProperty("eos_token_id").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, model.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(0, model.GetProperty("pad_token_id").GetInt32());
        Assert.Equal(300, model.GetProperty("vocab_size").GetInt32());
        Assert.Equal(512, model.GetProperty("context_length").GetInt32());
        JsonElement decoder = model.GetProperty("decoder");
        Assert.Equal("decoder.onnx", decoder.GetProperty("filename").GetString());
        Assert.Equal(24, decoder.GetProperty("head_size").GetInt32());
        Assert.Equal(64, decoder.GetProperty("hidden_size").GetInt32());
        Assert.Equal(4, decoder.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(2, decoder.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(3, decoder.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal("past_key_values.%d.key", decoder.GetProperty("inputs").GetProperty("past_key_names").GetString());
        Assert.Equal("present.%d.value", decoder.GetProperty("outputs").GetProperty("present_value_names").GetString());
        Assert.Equal(0, decoder.GetProperty("session_options").GetProperty("provider_options").GetArrayLength());
        JsonElement search = doc.RootElement.GetProperty("search");
        Assert.False(search.GetProperty("past_present_share_buffer").GetBoolean());
        Assert.False(search.GetProperty("do_sample").GetBoolean());
        Assert.Equal(512, search.GetProperty("max_length").GetInt32());
        string text = File.ReadAllText(dir.File("genai_config.json"));
        Assert.DoesNotContain("sliding_window", text, StringComparison.Ordinal);
        Assert.DoesNotContain("chunk_size", text, StringComparison.Ordinal);
        Assert.DoesNotContain("image_features", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_eos_ids_follow_the_generation()
    {
        Assert.Equal([1], GenAiConfigWriter.DefaultEosTokenIds(TinyConfigs.PaliGemma1()));
        Assert.Equal([1, 107], GenAiConfigWriter.DefaultEosTokenIds(TinyConfigs.PaliGemma2()));
        PaliGemmaConfig small = TinyConfigs.PaliGemma2() with { Text = TinyConfigs.PaliGemma2().Text with { VocabSize = 100 } };
        Assert.Equal([1], GenAiConfigWriter.DefaultEosTokenIds(small));
    }

    [Fact]
    public void GenAi_config_rejects_bad_arguments()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var dir = new TempFolder();
        Assert.Throws<ArgumentOutOfRangeException>(() => GenAiConfigWriter.Write(config, dir.Path, 0, [1]));
        Assert.Throws<ArgumentException>(() => GenAiConfigWriter.Write(config, dir.Path, 10, []));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GenAiConfigWriter.Write(config, dir.Path, 10, [1, 300]));
        Assert.Contains("300", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_counts_every_weight_tensor()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 7);
        using var dir = new TempFolder();
        var reports = new List<ExportProgress>();
        var sink = new SynchronousProgress(reports.Add);
        VisionGraphExporter.Export(config, weights, dir.File("vision.onnx"), ModelPrecision.Float32, sink);
        DecoderGraphExporter.Export(config, weights, dir.File("decoder.onnx"), ModelPrecision.Float32, sink);
        var vision = reports.Where(r => r.Stage == "vision").ToList();
        var decoder = reports.Where(r => r.Stage == "decoder").ToList();
        Assert.Equal(PaliGemmaTensorNames.VisionTensors(config).Count, vision.Count);
        Assert.Equal(PaliGemmaTensorNames.TextTensors(config).Count, decoder.Count);
        Assert.All(vision.Concat(decoder), r => Assert.InRange(r.Done, 1, r.Total));
        Assert.Equal(decoder[^1].Total, decoder[^1].Done);
    }

    private sealed class SynchronousProgress(Action<ExportProgress> report) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => report(value);
    }
}
