using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Tiny;

public sealed class TinyModelsTests
{
    [Fact]
    public void Model_folder_is_created_once_and_reused_for_the_same_options()
    {
        using var root = new TempFolder();
        string folder = root.File("model");
        var options = new TinyModelOptions { Variant = TinyModelVariant.PaliGemma1, ImageSize = 28 };

        PaliGemmaManifest first = TinyModels.CreateModelFolder(folder, options);
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(folder, "decoder.onnx"));
        PaliGemmaManifest again = TinyModels.CreateModelFolder(folder, options);

        Assert.Equal("tiny-pg1-28", first.ModelId);
        Assert.Equal(4, first.NumImageTokens);
        Assert.Equal(first.Source?.Description, again.Source?.Description);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(folder, "decoder.onnx")));
        Assert.Empty(Directory.GetDirectories(root.Path, ".model.partial-*", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public void Other_options_or_precision_rebuild_the_folder()
    {
        using var root = new TempFolder();
        string folder = root.File("model");
        PaliGemmaManifest a = TinyModels.CreateModelFolder(folder, new TinyModelOptions { ImageSize = 28, Seed = 1 });
        PaliGemmaManifest b = TinyModels.CreateModelFolder(folder, new TinyModelOptions { ImageSize = 28, Seed = 2 });
        PaliGemmaManifest c = TinyModels.CreateModelFolder(folder, new TinyModelOptions { ImageSize = 28, Seed = 2 }, ModelPrecision.Float16);

        Assert.NotEqual(a.Source?.CheckpointSha256, b.Source?.CheckpointSha256);
        Assert.Equal("fp16", c.Precision);
        Assert.Equal("fp16", TinyModels.CreateModelFolder(folder, new TinyModelOptions { ImageSize = 28, Seed = 2 }, ModelPrecision.Float16).Precision);
    }
}
