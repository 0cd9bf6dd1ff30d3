using System.Security.Cryptography;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Conversion;

/// <summary>Conversion logic (validation, manifest, atomic output) with the graph writers stubbed out.</summary>
public sealed class ConverterValidationTests : IDisposable
{
    private readonly TempFolder _root = new();

    private string Input => Path.Combine(_root.Path, "in");

    private string Output => Path.Combine(_root.Path, "out");

    public void Dispose() => _root.Dispose();

    private TinyCheckpoint Generate(TinyModelOptions? options = null) => TinyModelGenerator.Generate(Input, options ?? new TinyModelOptions());

    private PaliGemmaManifest Convert(RecordingExporter? exporter = null, bool overwrite = false)
        => PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Input, OutputDirectory = Output, Overwrite = overwrite, ModelId = "m" }, exporter ?? new RecordingExporter());

    private CheckpointException Fails()
    {
        var ex = Assert.Throws<CheckpointException>(() => Convert());
        Assert.False(Directory.Exists(Output));
        Assert.Single(Directory.GetDirectories(_root.Path)); // only the input: no partial folder left behind
        return ex;
    }

    [Fact]
    public void Manifest_holds_ids_sizes_and_the_checkpoint_hash()
    {
        TinyCheckpoint tiny = Generate(new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 42 });
        var exporter = new RecordingExporter();
        PaliGemmaManifest manifest = Convert(exporter);

        Assert.Equal(["vision", "decoder", "genai:8192:1,107"], exporter.Calls);
        Assert.Equal("paligemma2", manifest.Architecture);
        Assert.Equal((42, 14, 9), (manifest.ImageSize, manifest.PatchSize, manifest.NumImageTokens));
        Assert.Equal(64, manifest.TextHiddenSize);
        Assert.Equal(tiny.Config.Text.VocabSize, manifest.VocabSize);
        Assert.Equal("int4", manifest.Precision); // no precision given: auto, which is int4 for the CPU target
        Assert.Equal(8192, manifest.MaxSequenceLength);
        Assert.Equal(tiny.Vocabulary.ImageId, manifest.TokenIds.Image);
        Assert.Equal(108, manifest.TokenIds.Newline);
        Assert.Equal(tiny.Vocabulary.LocStart, manifest.TokenIds.LocStart);
        Assert.Equal(tiny.Vocabulary.SegStart, manifest.TokenIds.SegStart);
        Assert.Equal([107], manifest.TokenIds.ExtraStop);
        string expectedHash = System.Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(Input, "model.safetensors"))));
        Assert.Equal(expectedHash, manifest.Source?.CheckpointSha256);
        Assert.StartsWith("PaliGemma.Onnx/", manifest.Source?.Converter, StringComparison.Ordinal);

        foreach (string file in new[] { "paligemma.json", "vision.onnx", "decoder.onnx", "genai_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
        {
            Assert.True(File.Exists(Path.Combine(Output, file)), file);
        }

        PaliGemmaManifest? written = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(Output, "paligemma.json")), PaliGemmaManifestJsonContext.Default.PaliGemmaManifest);
        Assert.Equal("m", written?.ModelId);
        Assert.Equal(manifest.TokenIds.Image, written?.TokenIds.Image);
    }

    [Fact]
    public void PaliGemma1_has_no_extra_stop_token()
    {
        Generate(new TinyModelOptions { Variant = TinyModelVariant.PaliGemma1 });
        var exporter = new RecordingExporter();
        PaliGemmaManifest manifest = Convert(exporter);
        Assert.Equal("paligemma", manifest.Architecture);
        Assert.Empty(manifest.TokenIds.ExtraStop);
        Assert.Equal("genai:8192:1", exporter.Calls[2]);
    }

    [Fact]
    public void Missing_tensor_is_named_before_any_graph_is_written()
    {
        TinyCheckpoint tiny = Generate();
        List<SafetensorsTensor> tensors = TinyModelGenerator.CreateTensors(tiny.Config, new TinyModelOptions());
        tensors.RemoveAll(t => t.Name == "language_model.model.layers.1.mlp.down_proj.weight");
        SafetensorsWriter.Write(Path.Combine(Input, "model.safetensors"), tensors);

        var ex = Fails();
        Assert.Contains("missing tensor 'language_model.model.layers.1.mlp.down_proj.weight'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_shape_is_named()
    {
        TinyCheckpoint tiny = Generate();
        List<SafetensorsTensor> tensors = TinyModelGenerator.CreateTensors(tiny.Config, new TinyModelOptions());
        int i = tensors.FindIndex(t => t.Name == "multi_modal_projector.linear.weight");
        tensors[i] = tensors[i] with { Shape = [64, 31] };
        SafetensorsWriter.Write(Path.Combine(Input, "model.safetensors"), tensors);

        var ex = Fails();
        Assert.Contains("'multi_modal_projector.linear.weight' has shape [64, 31], expected [64, 32]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_model_type_is_named()
    {
        Generate();
        string config = Path.Combine(Input, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"model_type\": \"paligemma\"", "\"model_type\": \"llava\"", StringComparison.Ordinal));
        var ex = Fails();
        Assert.Contains("'model_type'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("llava", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer_config.json")]
    [InlineData("model.safetensors")]
    public void Missing_file_is_named(string file)
    {
        Generate();
        File.Delete(Path.Combine(Input, file));
        Assert.Contains(file == "model.safetensors" ? "no 'model.safetensors'" : file, Fails().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenizer_that_disagrees_with_the_config_is_rejected()
    {
        Generate();
        string config = Path.Combine(Input, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"eos_token_id\": 1", "\"eos_token_id\": 5", StringComparison.Ordinal));
        Assert.Contains("eos_token_id", Fails().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_export_leaves_no_output_and_no_partial_folder()
    {
        Generate();
        Assert.Throws<IOException>(() => Convert(new RecordingExporter(failAt: "decoder")));
        Assert.False(Directory.Exists(Output));
        Assert.Single(Directory.GetDirectories(_root.Path));
    }

    [Fact]
    public void Existing_output_is_kept_unless_overwrite_is_asked()
    {
        Generate();
        Directory.CreateDirectory(Output);
        File.WriteAllText(Path.Combine(Output, "keep.txt"), "x");
        Assert.Throws<IOException>(() => Convert());
        Assert.True(File.Exists(Path.Combine(Output, "keep.txt")));

        Convert(overwrite: true);
        Assert.False(File.Exists(Path.Combine(Output, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(Output, "paligemma.json")));
    }

    [Fact]
    public void Failed_overwrite_keeps_the_previous_model()
    {
        Generate();
        Convert();
        Assert.Throws<IOException>(() => Convert(new RecordingExporter(failAt: "vision"), overwrite: true));
        Assert.True(File.Exists(Path.Combine(Output, "paligemma.json")));
    }

    [Fact]
    public void Sharded_nested_bf16_input_is_accepted_and_hashed_over_all_shards()
    {
        Generate(new TinyModelOptions { KeyLayout = CheckpointKeyLayout.Nested, DataType = TensorDataType.BFloat16, ShardCount = 2 });
        PaliGemmaManifest manifest = Convert();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string shard in Directory.GetFiles(Input, "model-*.safetensors").Order(StringComparer.Ordinal))
        {
            hash.AppendData(File.ReadAllBytes(shard));
        }

        Assert.Equal(System.Convert.ToHexStringLower(hash.GetHashAndReset()), manifest.Source?.CheckpointSha256);
    }
}
