using System.Text.Json.Nodes;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Load options, asynchronous loading, and stopping on the manifest's stop tokens.</summary>
public sealed class LoadOptionsAndStopTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly PaliGemmaGenerationSettings Greedy32 = new() { MaxNewTokens = 32 };

    [Fact]
    public async Task Load_async_with_one_thread_gives_the_same_tokens()
    {
        PaliGemmaModel shared = fixture.Model(TinyModelKind.PaliGemma1At224);
        using PaliGemmaModel single = await PaliGemmaModel.LoadAsync(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224),
            new PaliGemmaModelOptions { ExecutionProvider = "CPU", IntraOpNumThreads = 1 });
        float[] pixels = TinyModelFixture.Pixels(224, 70);
        Assert.Equal(shared.EncodeImage(pixels), single.EncodeImage(pixels));
        Assert.Equal(
            GenerationTests.Ids(GenerationTests.Caption(shared, 71)),
            GenerationTests.Ids(GenerationTests.Caption(single, 71)));
    }

    [Fact]
    public void Negative_thread_count_is_an_argument_error()
        => Assert.ThrowsAny<ArgumentException>(() => PaliGemmaModel.Load(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), new PaliGemmaModelOptions { IntraOpNumThreads = -1 }));

    [Fact]
    public async Task Load_async_surfaces_validation_errors()
    {
        string missing = Path.Combine(Path.GetTempPath(), "pg-missing-" + Guid.NewGuid().ToString("N"));
        var ex = await Assert.ThrowsAsync<PaliGemmaModelException>(() => PaliGemmaModel.LoadAsync(missing));
        Assert.Equal(missing, ex.FilePath);
    }

    [Fact]
    public void Cuda_without_the_native_cuda_package_is_a_clear_model_error()
    {
        // The tests reference the CPU native packages only.
        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), new PaliGemmaModelOptions { ExecutionProvider = "cuda" }));
        Assert.Contains("CUDA", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"cpu\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void An_extra_stop_token_ends_generation_and_is_yielded_last(int stopAt)
    {
        TinyModelKind kind = TinyModelKind.PaliGemma1At224;
        PaliGemmaModel reference = fixture.Model(kind);
        float[] pixels = TinyModelFixture.Pixels(224, 72);
        int[] prompt = reference.BuildPromptIds("caption en");
        int[] full = GenerationTests.Ids(reference.Generate(reference.EncodeImage(pixels), prompt, Greedy32));
        Assert.True(full.Length > stopAt, "the tiny model stopped too early for this test");
        int stopId = full[stopAt];
        int firstOccurrence = Array.IndexOf(full, stopId);

        string folder = TinyModelFixture.CopyFolder(kind);
        try
        {
            string manifestPath = Path.Combine(folder, PaliGemmaManifest.FileName);
            JsonNode manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
            manifest["token_ids"]!["extra_stop"] = new JsonArray(stopId);
            File.WriteAllText(manifestPath, manifest.ToJsonString());

            using PaliGemmaModel model = PaliGemmaModel.Load(folder);
            List<GeneratedToken> tokens = [.. model.Generate(model.EncodeImage(pixels), prompt, Greedy32)];
            Assert.Equal(full[..(firstOccurrence + 1)], GenerationTests.Ids(tokens));
            Assert.True(tokens[^1].IsStop);
            Assert.All(tokens.SkipLast(1), t => Assert.False(t.IsStop));
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }
}
