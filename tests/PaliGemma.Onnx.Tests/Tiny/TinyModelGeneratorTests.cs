using System.Security.Cryptography;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Tiny;

public sealed class TinyModelGeneratorTests
{
    private static Dictionary<string, string> HashFolder(string folder) => Directory.GetFiles(folder)
        .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Theory]
    [InlineData(TinyModelVariant.PaliGemma1)]
    [InlineData(TinyModelVariant.PaliGemma2)]
    public void Generation_is_deterministic_byte_for_byte(TinyModelVariant variant)
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var options = new TinyModelOptions { Variant = variant, Seed = 7 };
        TinyModelGenerator.Generate(a.Path, options);
        TinyModelGenerator.Generate(b.Path, options);

        Dictionary<string, string> first = HashFolder(a.Path);
        Assert.Equal(["config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"], first.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(first, HashFolder(b.Path));
    }

    [Fact]
    public void Different_seeds_give_different_weights()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        TinyModelGenerator.Generate(a.Path, new TinyModelOptions { Seed = 1 });
        TinyModelGenerator.Generate(b.Path, new TinyModelOptions { Seed = 2 });
        Assert.NotEqual(HashFolder(a.Path)["model.safetensors"], HashFolder(b.Path)["model.safetensors"]);
        Assert.Equal(HashFolder(a.Path)["config.json"], HashFolder(b.Path)["config.json"]);
    }

    [Theory]
    [InlineData(TinyModelVariant.PaliGemma1, 28, CheckpointKeyLayout.Legacy, TensorDataType.Float32, 1)]
    [InlineData(TinyModelVariant.PaliGemma2, 56, CheckpointKeyLayout.Nested, TensorDataType.BFloat16, 3)]
    [InlineData(TinyModelVariant.PaliGemma2, 42, CheckpointKeyLayout.Legacy, TensorDataType.Float16, 2)]
    public void Generated_checkpoint_reads_back_with_the_hf_names_and_shapes(TinyModelVariant variant, int imageSize, CheckpointKeyLayout layout, TensorDataType type, int shards)
    {
        using var folder = new TempFolder();
        var options = new TinyModelOptions { Variant = variant, ImageSize = imageSize, KeyLayout = layout, DataType = type, ShardCount = shards };
        TinyCheckpoint tiny = TinyModelGenerator.Generate(folder.Path, options);

        PaliGemmaConfig read = PaliGemmaConfigReader.Read(folder.File("config.json"));
        Assert.Equal(tiny.Config, read);
        Assert.Equal((imageSize / 14) * (imageSize / 14), read.Vision.NumPatches);
        Assert.Equal(variant == TinyModelVariant.PaliGemma2 ? 2 : 1, read.Generation);
        Assert.Equal(variant == TinyModelVariant.PaliGemma2 ? 2 : 1, read.Text.NumKeyValueHeads);

        using SafetensorsReader reader = CheckpointFolder.Open(folder.Path);
        Assert.Equal(shards, reader.Files.Count);
        PaliGemmaTensorLayout.Validate(read, reader, folder.Path);
        Assert.Equal(PaliGemmaTensorLayout.Expected(read).Count, reader.Names.Count);
        Assert.Equal(type, reader.GetInfo("language_model.model.embed_tokens.weight").DataType);
        Assert.Equal([32L, 3, 14, 14], reader.GetInfo("vision_tower.vision_model.embeddings.patch_embedding.weight").Shape);
        Assert.Equal([64L, 32], reader.GetInfo("multi_modal_projector.linear.weight").Shape);
        Assert.Equal(variant == TinyModelVariant.PaliGemma2, reader.Contains("language_model.model.layers.1.pre_feedforward_layernorm.weight"));
        string storedPrefix = layout == CheckpointKeyLayout.Nested ? "model.language_model." : "language_model.model.";
        Assert.StartsWith(storedPrefix, reader.GetStoredName("language_model.model.norm.weight"), StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_have_the_requested_statistics()
    {
        using var folder = new TempFolder();
        TinyModelGenerator.Generate(folder.Path, new TinyModelOptions { TextIntermediateSize = 256 });
        using SafetensorsReader reader = CheckpointFolder.Open(folder.Path);

        float[] up = new float[256 * 64];
        reader.ReadFloat32("language_model.model.layers.0.mlp.up_proj.weight", up);
        (double mean, double std) = Stats(up);
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.018, 0.022);

        float[] ln = new float[32];
        reader.ReadFloat32("vision_tower.vision_model.encoder.layers.0.layer_norm1.weight", ln);
        Assert.InRange(Stats(ln).Mean, 0.98, 1.02);

        float[] rms = new float[64];
        reader.ReadFloat32("language_model.model.norm.weight", rms);
        Assert.InRange(Stats(rms).Mean, -0.02, 0.02);

        float[] a = new float[64];
        float[] b = new float[64];
        reader.ReadFloat32("language_model.model.layers.0.input_layernorm.weight", a);
        reader.ReadFloat32("language_model.model.layers.1.input_layernorm.weight", b);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Tokenizer_matches_the_paligemma_id_layout()
    {
        using var folder = new TempFolder();
        TinyCheckpoint tiny = TinyModelGenerator.Generate(folder.Path, new TinyModelOptions());
        PaliGemmaTokenIds ids = TokenizerInspector.ReadTokenIds(folder.File("tokenizer.json"), tiny.Config);

        Assert.Equal((0, 1, 2), (ids.Pad, ids.Eos, ids.Bos));
        Assert.Equal(108, ids.Newline);
        Assert.Equal([107], ids.ExtraStop);
        Assert.Equal(ids.LocStart + 1024, ids.SegStart);
        Assert.Equal(ids.SegStart + 128, ids.Image);
        Assert.Equal(tiny.Config.ImageTokenIndex, ids.Image);
        Assert.Equal(0, tiny.Config.Text.VocabSize % 64);
        Assert.InRange(tiny.Config.Text.VocabSize - tiny.Vocabulary.Count, 0, 63);

        IReadOnlyDictionary<string, int> vocabulary = TokenizerInspector.ReadVocabulary(folder.File("tokenizer.json"));
        Assert.Equal(109, vocabulary["<0x00>"]);
        Assert.True(vocabulary.ContainsKey("\u2581caption"));
        Assert.True(vocabulary.ContainsKey("detect"));
    }

    [Fact]
    public void Tokenizer_marks_image_special_and_loc_seg_not_special()
    {
        using var folder = new TempFolder();
        TinyModelGenerator.Generate(folder.Path, new TinyModelOptions());
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(folder.File("tokenizer.json")));
        var added = doc.RootElement.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(t => t.GetProperty("content").GetString()!, t => t.GetProperty("special").GetBoolean());
        Assert.True(added["<image>"]);
        Assert.True(added["<eos>"]);
        Assert.False(added["<loc0512>"]);
        Assert.False(added["<seg127>"]);
        Assert.Equal("BPE", doc.RootElement.GetProperty("model").GetProperty("type").GetString());
        Assert.True(doc.RootElement.GetProperty("model").GetProperty("byte_fallback").GetBoolean());
    }

    [Theory]
    [InlineData(30)]
    [InlineData(0)]
    public void Image_size_must_be_a_positive_multiple_of_the_patch(int imageSize)
    {
        using var folder = new TempFolder();
        var ex = Assert.Throws<ArgumentException>(() => TinyModelGenerator.Generate(folder.Path, new TinyModelOptions { ImageSize = imageSize }));
        Assert.Contains("ImageSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vocabulary_smaller_than_the_tokenizer_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => TinyModelGenerator.CreateConfig(new TinyModelOptions { VocabSize = 100 }));
    }

    private static (double Mean, double Std) Stats(float[] values)
    {
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(variance));
    }
}
