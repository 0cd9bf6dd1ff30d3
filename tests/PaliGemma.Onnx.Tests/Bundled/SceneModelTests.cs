using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Bundled;
using PaliGemma.Onnx.Masks;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Bundled;

/// <summary><see cref="SceneModel.EnsureModelFolder"/> on a generated stand-in checkpoint (same file set as the bundled one).</summary>
public sealed class SceneModelTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("pg-scene-model-").FullName;

    [Fact]
    public void Converts_once_with_the_mask_decoder_then_reuses_the_cached_folder()
    {
        string checkpoint = WriteCheckpoint("ckpt");
        string cache = Path.Combine(_work, "cache");
        var log = new List<string>();

        string first = SceneModel.EnsureModelFolder(cache, checkpoint, log.Add);
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(first, PaliGemmaManifest.FileName));
        string second = SceneModel.EnsureModelFolder(cache, checkpoint, log.Add);

        Assert.Equal(first, second);
        Assert.Single(log);
        Assert.Contains(checkpoint, log[0], StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(cache, SceneModel.Name + "-"), first, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(second, PaliGemmaManifest.FileName)));
        Assert.True(File.Exists(Path.Combine(first, "mask_decoder.onnx")));
        using PaliGemmaModel model = PaliGemmaModel.Load(first);
        Assert.NotNull(model.MaskDecoder);
        Assert.Equal(SceneModel.Name, model.Manifest.ModelId);
    }

    [Fact]
    public void The_default_conversion_follows_the_cpu_default_and_each_precision_gets_its_own_folder()
    {
        string checkpoint = WriteCheckpoint("ckpt");
        string cache = Path.Combine(_work, "cache");

        string auto = SceneModel.EnsureModelFolder(cache, checkpoint);
        string fp32 = SceneModel.EnsureModelFolder(cache, checkpoint, precision: PaliGemma.Onnx.Graphs.ModelPrecision.Float32);

        Assert.NotEqual(auto, fp32);
        using PaliGemmaModel a = PaliGemmaModel.Load(auto);
        using PaliGemmaModel f = PaliGemmaModel.Load(fp32);
        Assert.Equal("int4", a.Manifest.Precision);
        Assert.Equal("fp32", f.Manifest.Precision);
    }

    [Fact]
    public void A_changed_checkpoint_gets_a_fresh_folder()
    {
        string checkpoint = WriteCheckpoint("ckpt");
        string cache = Path.Combine(_work, "cache");
        string before = SceneModel.EnsureModelFolder(cache, checkpoint);

        RandomVqVaeCheckpoint.Write(Path.Combine(checkpoint, SceneModel.MaskVqVaeFileName), seed: 4, embeddingDim: 8, width: 8, upsampleChannels: [8, 8, 4, 4]);
        string after = SceneModel.EnsureModelFolder(cache, checkpoint);

        Assert.NotEqual(before, after);
        Assert.True(File.Exists(Path.Combine(after, PaliGemmaManifest.FileName)));
    }

    [Theory]
    [InlineData("vae.npz")]
    [InlineData("model.safetensors")]
    [InlineData("tokenizer_config.json")]
    public void A_missing_file_is_named(string file)
    {
        string checkpoint = WriteCheckpoint("ckpt");
        File.Delete(Path.Combine(checkpoint, file));

        FileNotFoundException error = Assert.Throws<FileNotFoundException>(() => SceneModel.EnsureModelFolder(Path.Combine(_work, "cache"), checkpoint));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work, "cache")) && Directory.EnumerateDirectories(Path.Combine(_work, "cache")).Any());
    }

    [Fact]
    public void A_missing_checkpoint_folder_says_how_applications_get_it()
    {
        string missing = Path.Combine(_work, "nowhere");

        FileNotFoundException error = Assert.Throws<FileNotFoundException>(() => SceneModel.EnsureModelFolder(Path.Combine(_work, "cache"), missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("SceneModel.props", error.Message, StringComparison.Ordinal);
        Assert.Contains("PaliGemma.Models.Scenes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_quotes_the_held_out_figures_of_the_model_readme()
    {
        string readme = File.ReadAllText(PaliGemma.Tests.Shared.RepositoryPaths.Combine("models", SceneModel.Name, "README.md"));
        var figures = System.Text.RegularExpressions.Regex.Matches(SceneModel.Summary, @"\d\.\d{3}").Select(m => m.Value).ToList();

        Assert.Equal(["0.882", "0.854", "0.574", "0.907"], figures);
        Assert.All(figures, f => Assert.Contains(f, readme, StringComparison.Ordinal));
        Assert.Contains("0.882, 0.854, 0.836, 0.907 and 0.993", readme, StringComparison.Ordinal); // the CPU mix's row
        Assert.Contains("exact captions 84 %", SceneModel.Summary, StringComparison.Ordinal);
        Assert.Contains("counting 99.3 %", SceneModel.Summary, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string WriteCheckpoint(string name)
    {
        string folder = Path.Combine(_work, name);
        TinyModelGenerator.Generate(folder, new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 112 });
        RandomVqVaeCheckpoint.Write(Path.Combine(folder, SceneModel.MaskVqVaeFileName), seed: 3, embeddingDim: 8, width: 8, upsampleChannels: [8, 8, 4, 4]);
        return folder;
    }
}
