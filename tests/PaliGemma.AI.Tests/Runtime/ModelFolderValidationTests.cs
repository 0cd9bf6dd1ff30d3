using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Load-time validation that needs no real graphs: every broken folder names the bad file.</summary>
public sealed class ModelFolderValidationTests
{
    private static PaliGemmaModelException LoadFails(FakeModelFolder folder)
        => Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder.Root));

    [Fact]
    public void Missing_folder_is_named()
    {
        string path = Path.Combine(Path.GetTempPath(), "pg-missing-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_instead_of_a_folder_is_named()
    {
        using var folder = new FakeModelFolder();
        string file = folder.PathOf("paligemma.json");
        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(file));
        Assert.Equal(file, ex.FilePath);
        Assert.Contains("is a file", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_path_is_an_argument_error(string path)
        => Assert.Throws<ArgumentException>(() => PaliGemmaModel.Load(path));

    [Fact]
    public void Missing_manifest_is_named()
    {
        using var folder = new FakeModelFolder();
        File.Delete(folder.PathOf("paligemma.json"));
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf("paligemma.json"), ex.FilePath);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{ not json", "not a valid")]
    [InlineData("null", "null")]
    [InlineData("{\"format_version\": 1}", "not a valid")]
    public void Unreadable_manifest_is_named(string content, string expected)
    {
        using var folder = new FakeModelFolder();
        File.WriteAllText(folder.PathOf("paligemma.json"), content);
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf("paligemma.json"), ex.FilePath);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadManifests() => new()
    {
        { "format_version", "format_version 3" },
        { "architecture", "architecture 'gemma3'" },
        { "precision", "precision 'bf8'" },
        { "num_image_tokens", "num_image_tokens is 5" },
        { "image_size", "image_size 30" },
        { "max_sequence_length", "max_sequence_length 5" },
        { "loc_start", "token_ids.loc_start = 1000" },
        { "image_id", "token_ids.image = 1300" },
        { "files.vision", "files.vision must be a plain file name" },
        { "image_std", "image_std" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Inconsistent_manifest_values_are_named(string what, string expected)
    {
        using var folder = new FakeModelFolder();
        PaliGemmaManifest m = FakeModelFolder.Manifest;
        folder.WriteManifest(what switch
        {
            "format_version" => m with { FormatVersion = 3 },
            "architecture" => m with { Architecture = "gemma3" },
            "precision" => m with { Precision = "bf8" },
            "num_image_tokens" => m with { NumImageTokens = 5 },
            "image_size" => m with { ImageSize = 30 },
            "max_sequence_length" => m with { MaxSequenceLength = 5 },
            "loc_start" => m with { TokenIds = m.TokenIds with { LocStart = 1000 } },
            "image_id" => m with { TokenIds = m.TokenIds with { Image = 1300 } },
            "files.vision" => m with { Files = m.Files with { Vision = "../vision.onnx" } },
            "image_std" => m with { ImageStd = [0.5f, 0f, 0.5f] },
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        });
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf("paligemma.json"), ex.FilePath);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("genai_config.json")]
    [InlineData("vision.onnx")]
    [InlineData("decoder.onnx")]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer_config.json")]
    public void Missing_file_is_named(string file)
    {
        using var folder = new FakeModelFolder();
        File.Delete(folder.PathOf(file));
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf(file), ex.FilePath);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vision.onnx")]
    [InlineData("decoder.onnx")]
    [InlineData("tokenizer.json")]
    public void Empty_file_is_named(string file)
    {
        using var folder = new FakeModelFolder();
        File.WriteAllBytes(folder.PathOf(file), []);
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf(file), ex.FilePath);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_decoder_is_named()
    {
        using var folder = new FakeModelFolder();
        byte[] bytes = File.ReadAllBytes(folder.PathOf("decoder.onnx"));
        File.WriteAllBytes(folder.PathOf("decoder.onnx"), bytes[..(bytes.Length / 2)]);
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf("decoder.onnx"), ex.FilePath);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoder_without_image_features_input_is_named()
    {
        using var folder = new FakeModelFolder();
        File.WriteAllBytes(folder.PathOf("decoder.onnx"), OnnxBytes.Model("input_ids", "attention_mask"));
        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf("decoder.onnx"), ex.FilePath);
        Assert.Contains("'image_features'", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadGenAiConfigs() => new()
    {
        { "vocab", "model.vocab_size is 999" },
        { "hidden", "model.decoder.hidden_size is 16" },
        { "decoder", "model.decoder.filename is 'other.onnx'" },
        { "eos", "eos_token_id" },
        { "extra-eos", "model.eos_token_id lists 107" },
        { "json", "not valid JSON" },
        { "no-model", "'model' is missing" },
    };

    [Theory]
    [MemberData(nameof(BadGenAiConfigs))]
    public void Genai_config_disagreeing_with_manifest_is_named(string what, string expected)
    {
        using var folder = new FakeModelFolder();
        if (what == "json")
        {
            File.WriteAllText(folder.PathOf("genai_config.json"), "{ \"model\": ");
        }
        else
        {
            folder.WriteGenAiConfig(what switch
            {
                "vocab" => FakeModelFolder.GenAiConfig(vocab: 999),
                "hidden" => FakeModelFolder.GenAiConfig(hidden: 16),
                "decoder" => FakeModelFolder.GenAiConfig(decoder: "other.onnx"),
                "eos" => FakeModelFolder.GenAiConfig(eos: new[] { 7 }),
                "extra-eos" => FakeModelFolder.GenAiConfig(eos: new[] { 1, 107 }),
                "no-model" => new Dictionary<string, object> { ["search"] = new Dictionary<string, object>() },
                _ => throw new ArgumentOutOfRangeException(nameof(what)),
            });
        }

        var ex = LoadFails(folder);
        Assert.Equal(folder.PathOf("genai_config.json"), ex.FilePath);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoder_graph_that_is_not_a_model_is_named()
    {
        // Passes the input scan (it declares the inputs) but holds no nodes: ONNX Runtime GenAI rejects it.
        using var folder = new FakeModelFolder();
        var ex = LoadFails(folder);
        Assert.NotNull(ex.FilePath);
        Assert.StartsWith(folder.Root, ex.FilePath, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("directml")]
    public void Unknown_execution_provider_is_an_argument_error(string provider)
    {
        using var folder = new FakeModelFolder();
        var ex = Assert.Throws<ArgumentException>(() => PaliGemmaModel.Load(folder.Root, new PaliGemmaModelOptions { ExecutionProvider = provider }));
        Assert.Contains(provider, ex.Message, StringComparison.Ordinal);
    }
}
