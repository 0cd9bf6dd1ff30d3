using System.Text.Json;
using System.Text.Json.Nodes;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>A real tiny model folder broken one file at a time: each load fails naming the file.</summary>
public sealed class CorruptModelFolderTests : IDisposable
{
    private readonly string _folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma1At224);

    public void Dispose() => TinyModelFixture.DeleteFolder(_folder);

    private string PathOf(string file) => Path.Combine(_folder, file);

    private PaliGemmaModelException LoadFails(string file, string expectedText)
    {
        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(_folder));
        Assert.Equal(PathOf(file), ex.FilePath);
        Assert.Contains(PathOf(file), ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedText, ex.Message, StringComparison.OrdinalIgnoreCase);
        return ex;
    }

    [Fact]
    public void The_intact_copy_loads()
    {
        using PaliGemmaModel model = PaliGemmaModel.Load(_folder);
        Assert.Equal(Path.GetFullPath(_folder), model.ModelPath);
    }

    [Fact]
    public void Missing_manifest()
    {
        File.Delete(PathOf("paligemma.json"));
        LoadFails("paligemma.json", "missing");
    }

    [Fact]
    public void Truncated_decoder_graph()
    {
        byte[] bytes = File.ReadAllBytes(PathOf("decoder.onnx"));
        File.WriteAllBytes(PathOf("decoder.onnx"), bytes[..(bytes.Length * 2 / 3)]);
        LoadFails("decoder.onnx", "truncated");
    }

    [Fact]
    public void Empty_decoder_graph()
    {
        File.WriteAllBytes(PathOf("decoder.onnx"), []);
        LoadFails("decoder.onnx", "empty");
    }

    [Theory]
    [InlineData("decoder.onnx.data")]
    [InlineData("vision.onnx.data")]
    public void Truncated_external_weights(string file)
    {
        byte[] bytes = File.ReadAllBytes(PathOf(file));
        File.WriteAllBytes(PathOf(file), bytes[..(bytes.Length / 2)]);
        LoadFails(file, "external initializer");
    }

    [Fact]
    public void Truncated_vision_graph()
    {
        byte[] bytes = File.ReadAllBytes(PathOf("vision.onnx"));
        File.WriteAllBytes(PathOf("vision.onnx"), bytes[..(bytes.Length / 2)]);
        LoadFails("vision.onnx", "vision");
    }

    [Fact]
    public void Genai_config_with_a_wrong_vocabulary()
    {
        JsonNode config = JsonNode.Parse(File.ReadAllText(PathOf("genai_config.json")))!;
        int vocab = config["model"]!["vocab_size"]!.GetValue<int>();
        config["model"]!["vocab_size"] = vocab + 64;
        File.WriteAllText(PathOf("genai_config.json"), config.ToJsonString());
        LoadFails("genai_config.json", "vocab_size");
    }

    [Fact]
    public void Genai_config_with_a_wrong_hidden_size()
    {
        JsonNode config = JsonNode.Parse(File.ReadAllText(PathOf("genai_config.json")))!;
        config["model"]!["decoder"]!["hidden_size"] = 3;
        File.WriteAllText(PathOf("genai_config.json"), config.ToJsonString());
        LoadFails("genai_config.json", "hidden_size");
    }

    [Fact]
    public void Genai_config_that_is_not_json()
    {
        File.WriteAllText(PathOf("genai_config.json"), "{ \"model\": { ");
        LoadFails("genai_config.json", "JSON");
    }

    [Fact]
    public void Missing_tokenizer()
    {
        File.Delete(PathOf("tokenizer.json"));
        LoadFails("tokenizer.json", "missing");
    }

    [Fact]
    public void Tokenizer_that_is_not_json()
    {
        File.WriteAllText(PathOf("tokenizer.json"), "{ broken");
        LoadFails("tokenizer.json", "tokenizer");
    }

    [Theory]
    [InlineData("newline")]
    [InlineData("image")]
    [InlineData("loc_start")]
    [InlineData("seg_start")]
    public void Manifest_ids_disagreeing_with_the_tokenizer(string key)
    {
        JsonNode manifest = JsonNode.Parse(File.ReadAllText(PathOf("paligemma.json")))!;
        JsonNode ids = manifest["token_ids"]!;
        ids[key] = ids[key]!.GetValue<int>() - 1;
        File.WriteAllText(PathOf("paligemma.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var ex = LoadFails("tokenizer.json", "disagree");
        Assert.Contains("token_ids." + key, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("decoder.onnx.data")]
    public void Failed_native_constructors_are_not_finalized(string file)
    {
        // ONNX Runtime GenAI 0.18 finalizers dereference the null handle a failed constructor leaves behind;
        // a load failing there must not crash the process when the finalizer thread runs.
        byte[] bytes = File.ReadAllBytes(PathOf(file));
        File.WriteAllBytes(PathOf(file), bytes[..(bytes.Length / 3)]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(_folder));
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [Fact]
    public void Vision_graph_of_another_image_size()
    {
        foreach (string file in Directory.EnumerateFiles(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At448), "vision.onnx*"))
        {
            File.Copy(file, PathOf(Path.GetFileName(file)), overwrite: true);
        }

        LoadFails("vision.onnx", "448");
    }
}
