using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>End-to-end generation on tiny random-weight PaliGemma 1 / 2 models.</summary>
public sealed class GenerationTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly PaliGemmaGenerationSettings Greedy32 = new() { MaxNewTokens = 32 };

    public static TheoryData<TinyModelKind> Kinds => TinyModelFixture.AllKinds;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Loads_with_manifest_facts(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        int size = TinyModelFixture.OptionsOf(kind).ImageSize;
        Assert.Equal(size, model.ImageSize);
        Assert.Equal((size / 14) * (size / 14), model.NumImageTokens);
        Assert.Equal(Path.GetFullPath(TinyModelFixture.FolderOf(kind)), model.ModelPath);
        Assert.Equal(model.Manifest.ModelId, model.ModelId);
        Assert.False(string.IsNullOrEmpty(model.ModelId));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Greedy_caption_runs_32_steps_or_stops_on_a_stop_token(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        List<GeneratedToken> tokens = Caption(model, seed: 1);

        Assert.InRange(tokens.Count, 1, 32);
        Assert.All(tokens.SkipLast(1), t => Assert.False(t.IsStop));
        if (tokens.Count < 32)
        {
            Assert.True(tokens[^1].IsStop, "generation ended early without a stop token");
        }

        var stops = new HashSet<int>([model.Manifest.TokenIds.Eos, .. model.Manifest.TokenIds.ExtraStop]);
        Assert.All(tokens, t => Assert.Equal(stops.Contains(t.Id), t.IsStop));
        Assert.All(tokens, t => Assert.InRange(t.Id, 0, model.Manifest.VocabSize - 1));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Greedy_output_is_identical_across_runs(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        int[] first = Ids(Caption(model, seed: 2));
        int[] second = Ids(Caption(model, seed: 2));
        Assert.Equal(first, second);
        Assert.Equal(model.Decode(first), model.Decode(second));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_image_reaches_the_decoder(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        int[] prompt = model.BuildPromptIds("caption en");
        float[] a = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 10));
        float[] b = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 11));
        Assert.NotEqual(a, b);

        float[] logitsA = model.GetFirstStepLogits(a, prompt);
        float[] logitsB = model.GetFirstStepLogits(b, prompt);
        float[] logitsA2 = model.GetFirstStepLogits(a, prompt);
        Assert.Equal(model.Manifest.VocabSize, logitsA.Length);
        Assert.Equal(logitsA, logitsA2);
        float maxDifference = logitsA.Zip(logitsB, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxDifference > 1e-3f, $"first-step logits differ by at most {maxDifference} between two images");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void First_greedy_token_is_the_argmax_of_the_first_step_logits(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        int[] prompt = model.BuildPromptIds("caption en");
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 3));
        float[] logits = model.GetFirstStepLogits(features, prompt);
        GeneratedToken first = model.Generate(features, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = 1 }).Single();
        Assert.Equal(Array.IndexOf(logits, logits.Max()), first.Id);
    }

    [Fact]
    public void Different_images_give_different_greedy_tokens_on_some_pair()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma2At224);
        var outputs = Enumerable.Range(20, 4).Select(seed => string.Join(",", Ids(Caption(model, seed)))).ToHashSet();
        Assert.True(outputs.Count > 1, "four different images produced the same 32 tokens");
    }

    [Fact]
    public void Fp16_export_tracks_the_fp32_model()
    {
        PaliGemmaModel fp32 = fixture.Model(TinyModelKind.PaliGemma2At224);
        PaliGemmaModel fp16 = fixture.Model(TinyModelKind.PaliGemma2At224Fp16);
        Assert.Equal("fp16", fp16.Manifest.Precision);
        float[] pixels = TinyModelFixture.Pixels(224, 8);
        float[] features32 = fp32.EncodeImage(pixels);
        float[] features16 = fp16.EncodeImage(pixels);
        int[] prompt = fp32.BuildPromptIds("caption en");
        float[] logits32 = fp32.GetFirstStepLogits(features32, prompt);
        float[] logits16 = fp16.GetFirstStepLogits(features16, prompt);

        float range = logits32.Max() - logits32.Min();
        float maxDifference = logits32.Zip(logits16, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxDifference < 0.05f * range, $"fp16 logits differ by {maxDifference} (fp32 range {range})");
        Assert.Equal(Array.IndexOf(logits32, logits32.Max()), Array.IndexOf(logits16, logits16.Max()));
    }

    [Fact]
    public void Text_only_prompt_binds_empty_features()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        int[] prompt = [model.Manifest.TokenIds.Bos, .. model.Tokenize("caption en"), model.Manifest.TokenIds.Newline];
        var tokens = model.Generate(ReadOnlyMemory<float>.Empty, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = 8 }).ToList();
        Assert.InRange(tokens.Count, 1, 8);
    }

    [Fact]
    public void Sampling_with_a_seed_is_reproducible_and_honours_top_k_1()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma2At224);
        int[] prompt = model.BuildPromptIds("caption en");
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 4));
        var sampled = new PaliGemmaGenerationSettings { MaxNewTokens = 16, Temperature = 1.5f, Seed = 42 };
        int[] a = Ids(model.Generate(features, prompt, sampled));
        int[] b = Ids(model.Generate(features, prompt, sampled));
        Assert.Equal(a, b);

        // Top-k 1 leaves only the most likely token: sampling then equals greedy.
        int[] greedy = Ids(model.Generate(features, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = 16 }));
        int[] topOne = Ids(model.Generate(features, prompt, sampled with { TopK = 1, Seed = 7 }));
        Assert.Equal(greedy, topOne);
    }

    [Fact]
    public void Max_new_tokens_bounds_the_output()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        int[] prompt = model.BuildPromptIds("caption en");
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 5));
        int[] five = Ids(model.Generate(features, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = 5 }));
        int[] thirtyTwo = Ids(model.Generate(features, prompt, Greedy32));
        Assert.True(five.Length <= 5);
        Assert.Equal(thirtyTwo.Take(five.Length), five);
    }

    [Fact]
    public void Prompt_longer_than_the_sequence_limit_is_rejected_naming_both_numbers()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma1At224);
        int cap = model.Manifest.MaxSequenceLength;
        int[] prompt = [.. Enumerable.Repeat(model.Manifest.TokenIds.Bos, cap + 5)];
        var ex = Assert.Throws<ArgumentException>(() => model.Generate(ReadOnlyMemory<float>.Empty, prompt, Greedy32));
        Assert.Contains((cap + 5).ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Contains(cap.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_image_counts_runs_and_checks_the_length()
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma2At224);
        long before = model.VisionEncoderRuns;
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 6));
        Assert.Equal(model.NumImageTokens * model.Manifest.TextHiddenSize, features.Length);
        Assert.True(model.VisionEncoderRuns >= before + 1);
        Assert.Throws<ArgumentException>(() => model.EncodeImage(new float[10]));
    }

    internal static List<GeneratedToken> Caption(PaliGemmaModel model, int seed)
    {
        float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, seed));
        return [.. model.Generate(features, model.BuildPromptIds("caption en"), Greedy32)];
    }

    internal static int[] Ids(IEnumerable<GeneratedToken> tokens) => [.. tokens.Select(t => t.Id)];
}
