using System.Globalization;
using System.Text.RegularExpressions;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Constraints;

/// <summary>
/// Constrained decoding on tiny random-weight PaliGemma 1 / 2 models: random label sets (one to five labels, multi-word
/// labels among them), detect and segment. Every constrained answer is a well-formed object list with requested labels
/// only; the same requests unconstrained are measured for comparison (random weights almost never produce that form).
/// </summary>
/// <remarks>
/// The request count is 60 per case (fast; docs/constrained-decoding.md shows that run); set
/// <c>PALIGEMMA_CONSTRAINED_REQUESTS</c> (e.g. 1000) to measure more (docs/history/constrained-decoding-1000-requests.md).
/// </remarks>
public sealed class ConstrainedGenerationTests(TinyModelFixture fixture, ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    private static readonly string[] Vocabulary =
    [
        "cat", "dog", "car", "car door", "red car", "person", "tree", "house", "blue sky", "small bird", "traffic light",
        "the big red house", "a", "cup", "green bottle", "sign", "white horse", "road", "man with a hat", "chair",
    ];

    public static TheoryData<TinyModelKind, bool> Cases => new()
    {
        { TinyModelKind.PaliGemma1At224, false },
        { TinyModelKind.PaliGemma1At224, true },
        { TinyModelKind.PaliGemma2At224, false },
        { TinyModelKind.PaliGemma2At224, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Constrained_answers_are_complete_objects_with_requested_labels(TinyModelKind kind, bool segment)
    {
        PaliGemmaModel model = fixture.Model(kind);
        int count = RequestCount();
        var random = new Random(segment ? 24 : 42);
        float[][] images = [.. Enumerable.Range(0, 4).Select(i => model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 100 + i)))];
        int constrainedValid = 0, freeValid = 0, objects = 0, freeObjects = 0, freeForeign = 0;
        for (int n = 0; n < count; n++)
        {
            string[] labels = RandomLabels(random);
            PaliGemmaTask task = segment ? PaliGemmaTask.Segment(labels) : PaliGemmaTask.Detect(labels);
            float[] features = images[n % images.Length];
            int[] prompt = model.BuildPromptIds(task.ToPrompt());
            var settings = new PaliGemmaGenerationSettings { MaxNewTokens = segment ? 56 : 24 };

            string constrained = model.Decode([.. model.Generate(features, prompt, settings with { Constraint = model.CreateOutputConstraint(task) }).Select(t => t.Id)]);
            string free = model.Decode([.. model.Generate(features, prompt, settings).Select(t => t.Id)]);

            Assert.True(IsObjectList(constrained, labels, segment), $"request {n} ({task}): constrained output is not an object list of the labels: {constrained}");
            constrainedValid++;
            int parsed = segment ? PaliGemmaOutputParser.ParseSegments(constrained, 640, 480).Count : PaliGemmaOutputParser.ParseDetections(constrained, 640, 480).Count;
            Assert.Equal(ObjectCount(constrained), parsed); // every object parses (four locations with y2 > y1, x2 > x1)
            Assert.All(
                segment ? PaliGemmaOutputParser.ParseSegments(constrained, 640, 480).Select(o => o.Label) : PaliGemmaOutputParser.ParseDetections(constrained, 640, 480).Select(o => o.Label),
                label => Assert.Contains(label, labels));
            objects += parsed;

            freeValid += IsObjectList(free, labels, segment) ? 1 : 0;
            var freeParsed = segment
                ? PaliGemmaOutputParser.ParseSegments(free, 640, 480).Select(o => o.Label).ToList()
                : PaliGemmaOutputParser.ParseDetections(free, 640, 480).Select(o => o.Label).ToList();
            freeObjects += freeParsed.Count;
            freeForeign += freeParsed.Count(l => !labels.Contains(l));
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{kind} {(segment ? "segment" : "detect")}: {count} requests; constrained {constrainedValid}/{count} well-formed, {objects} objects; unconstrained {freeValid}/{count} well-formed, {freeObjects} parsed objects of which {freeForeign} with a label not requested"));
        Assert.Equal(count, constrainedValid);
        Assert.True(objects > 0, "constrained decoding produced no object at all");
        Assert.True(freeValid < count, "the checker accepted every unconstrained answer of a random-weight model; it cannot tell the difference");
    }

    [Theory]
    [InlineData(TinyModelKind.PaliGemma1At224)]
    [InlineData(TinyModelKind.PaliGemma2At224)]
    public void Answer_choices_give_exactly_one_allowed_answer(TinyModelKind kind)
    {
        PaliGemmaModel model = fixture.Model(kind);
        string[][] choiceSets = [["yes", "no"], ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12"], ["red", "green", "blue", "light blue"]];
        for (int i = 0; i < 12; i++)
        {
            string[] choices = choiceSets[i % choiceSets.Length];
            PaliGemmaTask task = PaliGemmaTask.Answer("what is it?");
            float[] features = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 200 + i));
            var settings = new PaliGemmaGenerationSettings { MaxNewTokens = 12, Constraint = model.CreateOutputConstraint(task, choices) };
            List<GeneratedToken> tokens = [.. model.Generate(features, model.BuildPromptIds(task.ToPrompt()), settings)];
            string text = model.Decode([.. tokens.Select(t => t.Id)]);
            Assert.Contains(text, choices);
            Assert.True(tokens[^1].IsStop, "a complete answer is followed by end of sequence");
        }
    }

    [Fact]
    public void Constraint_rejects_tasks_without_a_grammar_and_foreign_models()
    {
        PaliGemmaModel pg1 = fixture.Model(TinyModelKind.PaliGemma1At224);
        PaliGemmaModel pg2 = fixture.Model(TinyModelKind.PaliGemma2At224);
        Assert.Contains("no output grammar", Assert.Throws<ArgumentException>(() => pg1.CreateOutputConstraint(PaliGemmaTask.Caption())).Message, StringComparison.Ordinal);
        Assert.Contains("allowed answers", Assert.Throws<ArgumentException>(() => pg1.CreateOutputConstraint(PaliGemmaTask.Answer("is it red?"))).Message, StringComparison.Ordinal);
        Assert.Contains("answer tasks only", Assert.Throws<ArgumentException>(() => pg1.CreateOutputConstraint(PaliGemmaTask.Detect("cat"), ["yes"])).Message, StringComparison.Ordinal);
        Assert.Contains("bad<loc0001>", Assert.Throws<ArgumentException>(() => pg1.CreateOutputConstraint(PaliGemmaTask.Answer("is it red?"), ["yes", "bad<loc0001>"])).Message, StringComparison.Ordinal);

        var foreign = new PaliGemmaGenerationSettings { Constraint = pg1.CreateOutputConstraint(PaliGemmaTask.Detect("cat")) };
        if (pg1.ModelId != pg2.ModelId)
        {
            var error = Assert.Throws<ArgumentException>(() => pg2.Generate(ReadOnlyMemory<float>.Empty, pg2.Tokenize("detect cat").Prepend(pg2.Manifest.TokenIds.Bos).ToArray(), foreign).ToList());
            Assert.Contains("created by the model", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Fail("the two tiny models share a model id; the foreign-constraint check cannot be exercised");
        }
    }

    /// <summary>The requests of the acceptance measurement; 60 unless <c>PALIGEMMA_CONSTRAINED_REQUESTS</c> says otherwise.</summary>
    internal static int RequestCount() =>
        int.TryParse(Environment.GetEnvironmentVariable("PALIGEMMA_CONSTRAINED_REQUESTS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 60;

    internal static string[] RandomLabels(Random random)
    {
        int count = random.Next(1, 6);
        return [.. Vocabulary.OrderBy(_ => random.Next()).Take(count)];
    }

    /// <summary>
    /// The independent check of the grammar: the whole text is zero or more objects joined by <c> ; </c>, each four
    /// location tokens, (sixteen segmentation tokens,) a space and one of the labels exactly.
    /// </summary>
    internal static bool IsObjectList(string text, IReadOnlyList<string> labels, bool segment)
    {
        string label = "(?:" + string.Join("|", labels.OrderByDescending(l => l.Length).Select(Regex.Escape)) + ")";
        string obj = "(?:<loc[0-9]{4}>){4}" + (segment ? "(?:<seg[0-9]{3}>){16}" : string.Empty) + " " + label;
        return Regex.IsMatch(text, "^(?:" + obj + "(?: ; " + obj + ")*)?$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));
    }

    private static int ObjectCount(string text) => Regex.Count(text, "<loc[0-9]{4}>", RegexOptions.None, TimeSpan.FromSeconds(5)) / 4;
}
