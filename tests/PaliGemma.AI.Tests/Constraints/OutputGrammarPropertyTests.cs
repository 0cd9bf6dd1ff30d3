using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PaliGemma.AI.Constraints;

namespace PaliGemma.AI.Tests.Constraints;

/// <summary>
/// Properties of the token-level grammar, with a made-up greedy longest-match tokenizer whose pieces merge across the
/// label/separator boundary (<c>"t ;"</c>, <c>"r d"</c>) and split words differently in different contexts, so the trie
/// must hold each label's exact token sequences. Soundness: any walk that only takes allowed tokens (random logits,
/// masked, arg-max; or uniformly random allowed tokens) decodes to a well-formed object list of the labels, boxes with
/// area, complete within the token limit. Completeness: every well-formed object list that fits the limit is accepted
/// token by token.
/// </summary>
public sealed class OutputGrammarPropertyTests
{
    private const int Eos = 1;
    private const int LocStart = 1000;
    private const int SegStart = 3000;
    private const int Vocab = 3200;

    private static readonly string[] Pieces =
    [
        " ", ";", " ;", "t ;", "r d", " car", " ca", "r", " cat", "door", " do", "or", "light", " traffic", " the", " big", " red",
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "w", "y", "0", "1", "ye", "10",
    ];

    private static readonly string[] LabelPool = ["cat", "car", "car door", "traffic light", "the big red car", "dog", "a", "ice", "sky blue"];

    private static readonly GrammarTokens Ids = new(LocStart, SegStart, Eos);

    public static Arbitrary<Case> Cases() => (
        from labelCount in Gen.Choose(1, 5)
        from segment in Gen.Elements(false, true)
        from budget in Gen.Choose(1, 90)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Case(PickLabels(seed, labelCount), segment, budget, seed)).ToArbitrary();

    private static string[] PickLabels(int seed, int count)
    {
        var random = new Random(seed);
        return [.. LabelPool.OrderBy(_ => random.Next()).Take(count)];
    }

    [Property(Arbitrary = [typeof(OutputGrammarPropertyTests)], MaxTest = 400, Replay = "(12345,67891)")]
    public bool Masked_argmax_walks_give_complete_object_lists(Case c) => Walk(c, uniform: false);

    [Property(Arbitrary = [typeof(OutputGrammarPropertyTests)], MaxTest = 400, Replay = "(12345,67891)")]
    public bool Uniform_walks_over_allowed_tokens_give_complete_object_lists(Case c) => Walk(c, uniform: true);

    [Property(Arbitrary = [typeof(OutputGrammarPropertyTests)], MaxTest = 400, Replay = "(12345,67891)")]
    public bool Every_well_formed_object_list_that_fits_is_accepted(Case c)
    {
        var random = new Random(c.Seed);
        OutputGrammar grammar = OutputGrammar.ForObjects(Ids, c.Labels, c.Segment, Tokenize);
        var text = new StringBuilder();
        var ids = new List<int>();
        int objects = random.Next(0, 4);
        for (int o = 0; o < objects; o++)
        {
            int y1 = random.Next(0, 1023), x1 = random.Next(0, 1023);
            int[] bins = [y1, x1, random.Next(y1 + 1, 1024), random.Next(x1 + 1, 1024)];
            foreach (int bin in bins)
            {
                ids.Add(LocStart + bin);
            }

            for (int s = 0; s < (c.Segment ? 16 : 0); s++)
            {
                ids.Add(SegStart + random.Next(0, 128));
            }

            string label = c.Labels[random.Next(c.Labels.Length)];
            ids.AddRange(Tokenize(o < objects - 1 ? " " + label + " ; " : " " + label));
        }

        ConstraintState state = grammar.Start(ids.Count + 1);
        foreach (int id in ids)
        {
            if (!state.IsAllowed(id))
            {
                return false;
            }

            state.Advance(id);
        }

        return state.IsAllowed(Eos);
    }

    [Fact]
    public void Choices_accept_exactly_the_answers()
    {
        string[] answers = ["yes", "no", "ye", "10", "1"];
        OutputGrammar grammar = OutputGrammar.ForChoices(Ids, answers, Tokenize);
        foreach (string answer in answers)
        {
            ConstraintState state = grammar.Start(20);
            foreach (int id in Tokenize(answer))
            {
                Assert.True(state.IsAllowed(id), answer);
                state.Advance(id);
            }

            Assert.True(state.IsAllowed(Eos), answer);
        }

        ConstraintState start = grammar.Start(20);
        Assert.False(start.IsAllowed(Eos)); // no empty answer
        Assert.False(start.IsAllowed(LocStart));
        var walked = new HashSet<string>();
        for (int seed = 0; seed < 200; seed++)
        {
            walked.Add(Decode(Run(grammar, 20, new Random(seed), uniform: true)));
        }

        Assert.Equal(answers.Order(), walked.Order());
    }

    [Fact]
    public void Masking_keeps_the_allowed_logits_and_sets_the_rest_to_negative_infinity()
    {
        OutputGrammar grammar = OutputGrammar.ForObjects(Ids, ["cat"], segment: false, Tokenize);
        ConstraintState state = grammar.Start(50);
        float[] logits = [.. Enumerable.Range(0, Vocab).Select(i => (float)i)];
        state.Mask(logits);
        for (int i = 0; i < Vocab; i++)
        {
            bool allowed = i == Eos || (i >= LocStart && i <= LocStart + 1022);
            Assert.Equal(allowed ? i : float.NegativeInfinity, logits[i]);
        }
    }

    [Fact]
    public void A_label_that_tokenizes_to_a_special_token_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => OutputGrammar.ForObjects(Ids, ["cat"], segment: false, _ => [LocStart + 3]));
        Assert.Contains("special token id 1003", error.Message, StringComparison.Ordinal);
    }

    private static bool Walk(Case c, bool uniform)
    {
        OutputGrammar grammar = OutputGrammar.ForObjects(Ids, c.Labels, c.Segment, Tokenize);
        List<int> ids = Run(grammar, c.Budget, new Random(c.Seed), uniform);
        if (ids.Count > c.Budget)
        {
            return false;
        }

        string text = Decode(ids);
        return ConstrainedGenerationTests.IsObjectList(text, c.Labels, c.Segment) && BoxesHaveArea(ids);
    }

    /// <summary>Generates until end of sequence or the budget, taking only allowed tokens.</summary>
    private static List<int> Run(OutputGrammar grammar, int budget, Random random, bool uniform)
    {
        ConstraintState state = grammar.Start(budget);
        var ids = new List<int>();
        var logits = new float[Vocab];
        while (ids.Count < budget)
        {
            int next;
            if (uniform)
            {
                var ranges = state.AllowedRanges();
                var (start, count) = ranges[random.Next(ranges.Count)];
                next = start + random.Next(count);
            }
            else
            {
                for (int i = 0; i < logits.Length; i++)
                {
                    logits[i] = (float)random.NextDouble();
                }

                state.Mask(logits);
                next = Array.IndexOf(logits, logits.Max());
            }

            state.Advance(next);
            if (next == Eos)
            {
                break;
            }

            ids.Add(next);
        }

        return ids;
    }

    private static bool BoxesHaveArea(List<int> ids)
    {
        List<int> bins = [.. ids.Where(i => i >= LocStart && i < LocStart + 1024).Select(i => i - LocStart)];
        for (int o = 0; o + 3 < bins.Count; o += 4)
        {
            if (bins[o + 2] <= bins[o] || bins[o + 3] <= bins[o + 1])
            {
                return false;
            }
        }

        return bins.Count % 4 == 0;
    }

    /// <summary>Greedy longest match over <see cref="Pieces"/> (ids 10…).</summary>
    private static IReadOnlyList<int> Tokenize(string text)
    {
        var ids = new List<int>();
        int at = 0;
        while (at < text.Length)
        {
            int best = -1;
            for (int p = 0; p < Pieces.Length; p++)
            {
                if (string.CompareOrdinal(text, at, Pieces[p], 0, Pieces[p].Length) == 0 && (best < 0 || Pieces[p].Length > Pieces[best].Length))
                {
                    best = p;
                }
            }

            if (best < 0)
            {
                throw new InvalidOperationException($"no piece for '{text[at]}'");
            }

            ids.Add(10 + best);
            at += Pieces[best].Length;
        }

        return ids;
    }

    private static string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            text.Append(id switch
            {
                >= SegStart => string.Create(CultureInfo.InvariantCulture, $"<seg{id - SegStart:D3}>"),
                >= LocStart => string.Create(CultureInfo.InvariantCulture, $"<loc{id - LocStart:D4}>"),
                >= 10 => Pieces[id - 10],
                _ => string.Empty,
            });
        }

        return text.ToString();
    }

    public sealed record Case(string[] Labels, bool Segment, int Budget, int Seed)
    {
        public override string ToString() => $"[{string.Join(" | ", Labels)}] segment={Segment} budget={Budget} seed={Seed}";
    }
}
