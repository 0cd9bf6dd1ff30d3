using System.Globalization;

namespace PaliGemma.AI.Constraints;

/// <summary>
/// The compiled grammar of one constrained request, over token ids. Two shapes:
/// <list type="bullet">
/// <item><b>Object list</b> (<c>detect</c> / <c>segment</c>): zero or more objects, each exactly four
/// <c>&lt;locNNNN&gt;</c> tokens (<c>y1 x1 y2 x2</c> with <c>y2 &gt; y1</c> and <c>x2 &gt; x1</c>, so every box has an
/// area and parses), for segmentation exactly sixteen <c>&lt;segNNN&gt;</c> tokens, then one requested label; objects are
/// separated by <c> ; </c>; end of sequence only after a complete object (or before the first).</item>
/// <item><b>Choice</b> (<c>answer</c> with allowed answers): exactly one of the answers, then end of sequence.</item>
/// </list>
/// Label and answer text is matched as the token sequences the model's tokenizer gives for it, as the model emits it:
/// a label with its leading space and the separator (<c>" cat ; "</c>) for an object followed by another, and with the
/// leading space alone (<c>" cat"</c>) for the last object; an answer as written (<c>"yes"</c>). These sequences form one
/// trie, so labels that share a prefix (<c>car</c>, <c>car door</c>) and labels whose tokens merge with the separator work.
/// </summary>
internal sealed class OutputGrammar
{
    /// <summary>Location tokens per object (<c>y1 x1 y2 x2</c>).</summary>
    public const int BoxTokens = 4;

    private const int Unreachable = int.MaxValue / 4;

    private readonly int[][] _childTokens;
    private readonly int[][] _childNodes;
    private readonly bool[] _continues;
    private readonly bool[] _accepts;
    private readonly int[] _minFinish;

    private OutputGrammar(GrammarTokens tokens, bool isObjectList, int maskTokens, TrieBuilder trie)
    {
        Tokens = tokens;
        IsObjectList = isObjectList;
        MaskTokens = maskTokens;
        int count = trie.Children.Count;
        _childTokens = new int[count][];
        _childNodes = new int[count][];
        for (int n = 0; n < count; n++)
        {
            var pairs = trie.Children[n].OrderBy(p => p.Key).ToArray();
            _childTokens[n] = [.. pairs.Select(p => p.Key)];
            _childNodes[n] = [.. pairs.Select(p => p.Value)];
        }

        _continues = [.. trie.Continues];
        _accepts = [.. trie.Accepts];
        _minFinish = new int[count];
        // Fewest tokens to a point where the text may end. A new object never ends sooner than the trie root does,
        // so the root's value without the "continue" edges is final and the second pass can use it.
        int root = MinFinish(0, continueCost: Unreachable);
        MinFinish(0, continueCost: isObjectList ? ObjectTokens + root : Unreachable);
    }

    /// <summary>Gets the special token ids the grammar uses.</summary>
    public GrammarTokens Tokens { get; }

    /// <summary>Gets a value indicating whether this is an object list (else a choice of answers).</summary>
    public bool IsObjectList { get; }

    /// <summary>Gets the <c>&lt;segNNN&gt;</c> tokens per object: 16 for segmentation, 0 for detection and choices.</summary>
    public int MaskTokens { get; }

    /// <summary>Gets the location and mask tokens of one object, before its label.</summary>
    public int ObjectTokens => BoxTokens + MaskTokens;

    /// <summary>Gets the number of trie nodes (tests).</summary>
    internal int NodeCount => _accepts.Length;

    /// <summary>Builds an object-list grammar.</summary>
    /// <param name="tokens">The model's special token ids.</param>
    /// <param name="labels">The requested labels (validated, non-empty).</param>
    /// <param name="segment">True for segmentation (sixteen mask tokens per object).</param>
    /// <param name="tokenize">The model's tokenizer (no special tokens added).</param>
    /// <returns>The grammar.</returns>
    public static OutputGrammar ForObjects(GrammarTokens tokens, IReadOnlyList<string> labels, bool segment, Func<string, IReadOnlyList<int>> tokenize)
    {
        TrieBuilder trie = Trie(labels, nameof(labels), "An object-list grammar needs at least one label.", tokenize, (into, label) =>
        {
            into.Add(Sequence(tokenize, " " + label + Separator, tokens, label), continues: true);
            into.Add(Sequence(tokenize, " " + label, tokens, label), continues: false);
        });
        return new OutputGrammar(tokens, isObjectList: true, segment ? PaliGemmaOutputParser.MaskTokenCount : 0, trie);
    }

    /// <summary>Builds a choice grammar: exactly one of <paramref name="choices"/>.</summary>
    /// <param name="tokens">The model's special token ids.</param>
    /// <param name="choices">The allowed answers (validated, non-empty).</param>
    /// <param name="tokenize">The model's tokenizer.</param>
    /// <returns>The grammar.</returns>
    public static OutputGrammar ForChoices(GrammarTokens tokens, IReadOnlyList<string> choices, Func<string, IReadOnlyList<int>> tokenize)
    {
        TrieBuilder trie = Trie(choices, nameof(choices), "A choice grammar needs at least one answer.", tokenize, (into, choice) =>
            into.Add(Sequence(tokenize, choice, tokens, choice), continues: false));
        return new OutputGrammar(tokens, isObjectList: false, 0, trie);
    }

    /// <summary>Checks a grammar's entries and adds each distinct one to a new trie.</summary>
    private static TrieBuilder Trie(IReadOnlyList<string> entries, string paramName, string emptyMessage, Func<string, IReadOnlyList<int>> tokenize, Action<TrieBuilder, string> add)
    {
        ArgumentNullException.ThrowIfNull(entries, paramName);
        ArgumentNullException.ThrowIfNull(tokenize);
        if (entries.Count == 0)
        {
            throw new ArgumentException(emptyMessage, paramName);
        }

        var trie = new TrieBuilder();
        foreach (string entry in entries.Distinct(StringComparer.Ordinal))
        {
            add(trie, entry);
        }

        return trie;
    }

    /// <summary>The text between two objects.</summary>
    public const string Separator = " ; ";

    /// <summary>Starts one generation's walk through the grammar.</summary>
    /// <param name="maxNewTokens">The generation's token limit (the walk keeps every answer completable within it).</param>
    /// <returns>A new state.</returns>
    public ConstraintState Start(int maxNewTokens) => new(this, maxNewTokens);

    /// <summary>Gets the sorted token ids that lead out of trie node <paramref name="node"/>.</summary>
    internal ReadOnlySpan<int> ChildTokens(int node) => _childTokens[node];

    /// <summary>Returns the trie node reached from <paramref name="node"/> by <paramref name="token"/>, or −1.</summary>
    internal int Child(int node, int token)
    {
        int i = Array.BinarySearch(_childTokens[node], token);
        return i < 0 ? -1 : _childNodes[node][i];
    }

    /// <summary>Gets the child node at <paramref name="index"/> of <see cref="ChildTokens"/>.</summary>
    internal int ChildAt(int node, int index) => _childNodes[node][index];

    /// <summary>True when a separator ends at <paramref name="node"/>: the next object may start there.</summary>
    internal bool Continues(int node) => _continues[node];

    /// <summary>True when a label (or answer) ends at <paramref name="node"/>: the text may end there.</summary>
    internal bool Accepts(int node) => _accepts[node];

    /// <summary>Gets the fewest tokens from trie node <paramref name="node"/> to a point where the text may end.</summary>
    internal int MinFinish(int node) => _minFinish[node];

    private static IReadOnlyList<int> Sequence(Func<string, IReadOnlyList<int>> tokenize, string text, GrammarTokens tokens, string source)
    {
        IReadOnlyList<int> ids = tokenize(text);
        if (ids.Count == 0)
        {
            throw new ArgumentException($"The text \"{source}\" gives no tokens; it cannot be part of an output grammar.", nameof(source));
        }

        foreach (int id in ids)
        {
            if (tokens.IsLocation(id) || tokens.IsSegmentation(id) || id == tokens.Eos)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"The text \"{source}\" tokenizes to the special token id {id}; labels and answers must be plain text."),
                    nameof(source));
            }
        }

        return ids;
    }

    private int MinFinish(int node, int continueCost)
    {
        int best = _accepts[node] ? 0 : Unreachable;
        if (_continues[node])
        {
            best = Math.Min(best, continueCost);
        }

        for (int i = 0; i < _childNodes[node].Length; i++)
        {
            best = Math.Min(best, 1 + MinFinish(_childNodes[node][i], continueCost));
        }

        _minFinish[node] = best;
        return best;
    }

    /// <summary>Collects token sequences into a trie (node 0 is the root).</summary>
    private sealed class TrieBuilder
    {
        public List<Dictionary<int, int>> Children { get; } = [[]];

        public List<bool> Continues { get; } = [false];

        public List<bool> Accepts { get; } = [false];

        public void Add(IReadOnlyList<int> ids, bool continues)
        {
            int node = 0;
            foreach (int id in ids)
            {
                if (!Children[node].TryGetValue(id, out int next))
                {
                    next = Children.Count;
                    Children.Add([]);
                    Continues.Add(false);
                    Accepts.Add(false);
                    Children[node][id] = next;
                }

                node = next;
            }

            if (continues)
            {
                Continues[node] = true;
            }
            else
            {
                Accepts[node] = true;
            }
        }
    }
}

/// <summary>The special token ids an <see cref="OutputGrammar"/> uses (from the model's manifest).</summary>
/// <param name="LocStart">The id of <c>&lt;loc0000&gt;</c>; <c>&lt;loc1023&gt;</c> is <c>LocStart + 1023</c>.</param>
/// <param name="SegStart">The id of <c>&lt;seg000&gt;</c>; <c>&lt;seg127&gt;</c> is <c>SegStart + 127</c>.</param>
/// <param name="Eos">The end-of-sequence id.</param>
internal readonly record struct GrammarTokens(int LocStart, int SegStart, int Eos)
{
    /// <summary>True for a <c>&lt;locNNNN&gt;</c> id.</summary>
    public bool IsLocation(int id) => id >= LocStart && id < LocStart + PaliGemmaSpecialTokens.LocationBins;

    /// <summary>True for a <c>&lt;segNNN&gt;</c> id.</summary>
    public bool IsSegmentation(int id) => id >= SegStart && id < SegStart + PaliGemmaSpecialTokens.SegmentationCodes;
}
