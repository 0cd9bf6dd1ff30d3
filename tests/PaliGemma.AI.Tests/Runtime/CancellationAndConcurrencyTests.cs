using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Cancellation within one step, concurrent generations, and disposal.</summary>
public sealed class CancellationAndConcurrencyTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly PaliGemmaGenerationSettings Greedy32 = new() { MaxNewTokens = 32 };

    [Fact]
    public void Cancellation_stops_before_the_next_step_and_the_model_still_works()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 30));
        int[] prompt = model.BuildPromptIds("caption en");
        int[] expected = GenerationTests.Ids(model.Generate(features, prompt, Greedy32));
        Assert.True(expected.Length > 3, "the tiny model stopped too early for this test");

        using var cts = new CancellationTokenSource();
        var received = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (GeneratedToken token in model.Generate(features, prompt, Greedy32, cts.Token))
            {
                received.Add(token.Id);
                if (received.Count == 3)
                {
                    cts.Cancel();
                }
            }
        });

        Assert.Equal(expected[..3], received);
        Assert.Equal(expected, GenerationTests.Ids(model.Generate(features, prompt, Greedy32)));
    }

    [Fact]
    public void Already_cancelled_token_produces_nothing()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 31));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var tokens = model.Generate(features, model.BuildPromptIds("caption en"), Greedy32, cts.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => tokens.ToList());
    }

    [Fact]
    public void Abandoned_enumeration_frees_its_generator_and_the_model_still_works()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 32));
        int[] prompt = model.BuildPromptIds("caption en");
        int[] expected = GenerationTests.Ids(model.Generate(features, prompt, Greedy32));
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(expected[0], model.Generate(features, prompt, Greedy32).First().Id);
        }

        Assert.Equal(expected, GenerationTests.Ids(model.Generate(features, prompt, Greedy32)));
    }

    [Theory]
    [InlineData(TinyModelKind.PaliGemma1At224)]
    [InlineData(TinyModelKind.PaliGemma2At224)]
    public async Task Eight_parallel_generations_equal_eight_sequential_ones(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        string[] prefixes = ["caption en", "detect cat", "ocr", "answer en what is this", "caption de", "segment dog", "describe en", "caption fr"];
        var jobs = Enumerable.Range(0, 8)
            .Select(i => (Features: model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 40 + (i % 4))), Prompt: model.BuildPromptIds(prefixes[i])))
            .ToArray();

        int[][] sequential = [.. jobs.Select(j => GenerationTests.Ids(model.Generate(j.Features, j.Prompt, Greedy32)))];
        int[][] parallel = await Task.WhenAll(jobs.Select(j => Task.Run(() => GenerationTests.Ids(model.Generate(j.Features, j.Prompt, Greedy32)))));

        for (int i = 0; i < jobs.Length; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
        }

        Assert.True(sequential.Select(s => string.Join(",", s)).Distinct().Count() > 1, "every job produced the same tokens");
    }

    [Fact]
    public async Task Parallel_image_encoding_matches_sequential()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma2At224);
        float[][] pixels = [.. Enumerable.Range(50, 4).Select(s => TinyModelFixture.Pixels(model.ImageSize, s))];
        float[][] sequential = [.. pixels.Select(p => model.EncodeImage(p))];
        float[][] parallel = await Task.WhenAll(pixels.Select(p => Task.Run(() => model.EncodeImage(p))));
        for (int i = 0; i < pixels.Length; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
        }
    }

    [Fact]
    public void Disposed_model_throws_object_disposed_and_a_running_generation_finishes()
    {
        using PaliGemmaModel model = PaliGemmaModel.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224));
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 60));
        int[] prompt = model.BuildPromptIds("caption en");
        int[] expected = GenerationTests.Ids(model.Generate(features, prompt, Greedy32));

        var received = new List<int>();
        foreach (GeneratedToken token in model.Generate(features, prompt, Greedy32))
        {
            received.Add(token.Id);
            if (received.Count == 2)
            {
                model.Dispose(); // native memory is released when this enumeration ends
            }
        }

        Assert.Equal(expected, received);
        Assert.Throws<ObjectDisposedException>(() => model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 60)));
        Assert.Throws<ObjectDisposedException>(() => model.Generate(features, prompt, Greedy32));
        Assert.Throws<ObjectDisposedException>(() => model.Tokenize("cat"));
        Assert.Throws<ObjectDisposedException>(() => model.Decode([5]));
        Assert.Throws<ObjectDisposedException>(() => model.CreateTextDecoder());
        model.Dispose();
    }
}
