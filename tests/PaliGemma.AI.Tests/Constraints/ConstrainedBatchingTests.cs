using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Runtime;
using PaliGemma.AI.Tests.TestModels;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Constraints;

/// <summary>
/// Constrained requests in batched generation: each row is masked by its own grammar, so requests with different labels,
/// tasks and unconstrained requests share one generator and get exactly the tokens they get alone (fp32).
/// </summary>
public sealed class ConstrainedBatchingTests(BatchingModelFolders folders, ITestOutputHelper output) : IClassFixture<BatchingModelFolders>
{
    [Theory]
    [InlineData("pg1")]
    [InlineData("pg1-last")]
    [InlineData("pg2-last-window8")]
    public void Each_row_follows_its_own_grammar_and_matches_its_tokens_alone(string variant)
    {
        string folder = folders.Folder(variant);
        using var alone = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = 1 });
        Request[] requests = Requests(alone);
        int[][] expected = [.. requests.Select(r => Ids(alone.Generate(r.Features, r.Prompt, r.Settings)))];

        using var batched = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = requests.Length, BatchWindow = TimeSpan.FromSeconds(1) });
        int[][] actual = RunTogether(batched, requests);

        for (int i = 0; i < requests.Length; i++)
        {
            string text = alone.Decode(actual[i]);
            output.WriteLine($"{variant} row {i} ({requests[i].Name}): {text}");
            Assert.Equal(expected[i], actual[i]);
            if (requests[i].Labels is { } labels)
            {
                Assert.True(ConstrainedGenerationTests.IsObjectList(text, labels, requests[i].Segment), $"row {i}: {text}");
            }
        }

        Assert.Equal((1L, (long)requests.Length), batched.BatchCounts);
        Assert.Contains(alone.Decode(actual[3]), new[] { "yes", "no" });
        Assert.False(ConstrainedGenerationTests.IsObjectList(alone.Decode(actual[4]), ["cat"], segment: false), "the unconstrained row was constrained");
    }

    private static Request[] Requests(PaliGemmaModel model)
    {
        float[] a = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 41));
        float[] b = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 42));
        Request Objects(string name, float[] features, bool segment, string[] labels, int max)
        {
            PaliGemmaTask task = segment ? PaliGemmaTask.Segment(labels) : PaliGemmaTask.Detect(labels);
            var settings = new PaliGemmaGenerationSettings { MaxNewTokens = max, Constraint = model.CreateOutputConstraint(task) };
            return new(name, features, model.BuildPromptIds(task.ToPrompt()), settings, labels, segment);
        }

        PaliGemmaTask answer = PaliGemmaTask.Answer("is there a cat");
        return
        [
            Objects("detect cat ; car door, image A", a, segment: false, ["cat", "car door"], 20),
            Objects("detect traffic light, image B", b, segment: false, ["traffic light"], 14),
            Objects("segment the big red house ; dog, image A", a, segment: true, ["the big red house", "dog"], 40),
            new("answer yes/no, image B", b, model.BuildPromptIds(answer.ToPrompt()), new PaliGemmaGenerationSettings { MaxNewTokens = 6, Constraint = model.CreateOutputConstraint(answer, ["yes", "no"]) }, null, false),
            new("detect cat, unconstrained, image A", a, model.BuildPromptIds("detect cat"), new PaliGemmaGenerationSettings { MaxNewTokens = 16 }, null, false),
        ];
    }

    private static int[][] RunTogether(PaliGemmaModel model, Request[] requests)
    {
        using var start = new Barrier(requests.Length);
        var results = new int[requests.Length][];
        var errors = new Exception?[requests.Length];
        Thread[] threads = [.. requests.Select((r, i) => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                results[i] = Ids(model.Generate(r.Features, r.Prompt, r.Settings));
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        }))];
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        Assert.All(errors, e => Assert.Null(e));
        return results;
    }

    private static int[] Ids(IEnumerable<GeneratedToken> tokens) => [.. tokens.Select(t => t.Id)];

    private sealed record Request(string Name, float[] Features, int[] Prompt, PaliGemmaGenerationSettings Settings, string[]? Labels, bool Segment);
}
