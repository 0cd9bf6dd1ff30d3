using System.Globalization;
using System.Text;
using PaliGemma.AI;
using PaliGemma.AI.Constraints;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The constrained-decoding grammar driven by the fuzzer. Byte 0: bit 0 = segment, bits 1..7 = token budget (1..128);
/// then labels as text up to a zero byte, separated by <c>|</c> (invalid labels end the input; a character-level
/// tokenizer, one id per UTF-16 unit, so labels merge with nothing); every further byte picks the next token among the
/// ids the grammar allows now. Invariants: an allowed id is always available, the walk never exceeds the budget, and
/// the decoded text parses into exactly one object per four location tokens, each with a requested label (segment:
/// sixteen codes) and a box with an area.
/// </summary>
internal static class GrammarTarget
{
    private const int Eos = 1;
    private const int LocStart = 100_000;
    private const int SegStart = 101_024;
    private const int CharBase = 16;

    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return;
        }

        bool segment = (data[0] & 1) != 0;
        int budget = 1 + (data[0] >> 1);
        int end = data[1..].IndexOf((byte)0);
        if (end < 0)
        {
            return;
        }

        string[] labels = Encoding.UTF8.GetString(data.Slice(1, end)).Split('|');
        if (labels.Length is 0 or > 8 || labels.Any(l => !PromptTextValidator.IsValidLabel(l)))
        {
            return;
        }

        labels = PromptTextValidator.ValidateLabels(labels, "labels");
        OutputGrammar grammar = OutputGrammar.ForObjects(new GrammarTokens(LocStart, SegStart, Eos), labels, segment, Tokenize);
        ConstraintState state = grammar.Start(budget);
        var ids = new List<int>();
        ReadOnlySpan<byte> choices = data[(end + 2)..];
        for (int step = 0; step < budget; step++)
        {
            IReadOnlyList<(int Start, int Count)> ranges = state.AllowedRanges();
            long total = ranges.Sum(r => (long)r.Count);
            if (total == 0 || ranges.Any(r => r.Count <= 0))
            {
                throw new InvariantException($"no allowed token at step {step} after [{string.Join(",", ids)}]");
            }

            long pick = step < choices.Length ? choices[step] % total : 0;
            int next = -1;
            foreach (var (start, count) in ranges)
            {
                if (pick < count)
                {
                    next = start + (int)pick;
                    break;
                }

                pick -= count;
            }

            state.Advance(next);
            if (next == Eos)
            {
                break;
            }

            ids.Add(next);
        }

        string text = Decode(ids);
        int locations = ids.Count(id => id >= LocStart && id < LocStart + 1024);
        int parsed = segment ? Check(PaliGemmaOutputParser.ParseSegments(text, 640, 480).Select(o => (o.Label, o.MaskTokens.Count)), labels, 16)
            : Check(PaliGemmaOutputParser.ParseDetections(text, 640, 480).Select(o => (o.Label, 0)), labels, 0);
        if (locations % 4 != 0 || parsed != locations / 4)
        {
            throw new InvariantException($"{locations} location tokens but {parsed} parsed objects in \"{text}\"");
        }
    }

    private static int Check(IEnumerable<(string Label, int Codes)> objects, string[] labels, int codes)
    {
        int count = 0;
        foreach (var (label, n) in objects)
        {
            if (!labels.Contains(label, StringComparer.Ordinal) || n != codes)
            {
                throw new InvariantException($"object '{label}' with {n} codes; labels [{string.Join("|", labels)}]");
            }

            count++;
        }

        return count;
    }

    private static IReadOnlyList<int> Tokenize(string text) => [.. text.Select(c => CharBase + c)];

    private static string Decode(List<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            text.Append(id switch
            {
                >= SegStart => string.Create(CultureInfo.InvariantCulture, $"<seg{id - SegStart:D3}>"),
                >= LocStart => string.Create(CultureInfo.InvariantCulture, $"<loc{id - LocStart:D4}>"),
                _ => ((char)(id - CharBase)).ToString(),
            });
        }

        return text.ToString();
    }
}
