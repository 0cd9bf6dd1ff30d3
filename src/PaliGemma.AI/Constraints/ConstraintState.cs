namespace PaliGemma.AI.Constraints;

/// <summary>
/// One generation's position in an <see cref="OutputGrammar"/>: before each step <see cref="Mask"/> leaves only the
/// tokens the grammar allows (and that still let the answer end within the token limit); after it <see cref="Advance"/>
/// moves on with the token the generator chose. Not thread-safe (one generation, one thread).
/// </summary>
internal sealed class ConstraintState
{
    private const int LastBin = PaliGemmaSpecialTokens.LocationBins - 1;

    private readonly OutputGrammar _grammar;
    private readonly List<(int Start, int Count)> _allowed = [];
    private float[] _saved = new float[PaliGemmaSpecialTokens.LocationBins];
    private Phase _phase;
    private int _index;
    private int _node;
    private int _firstBin;
    private int _secondBin;
    private int _remaining;

    internal ConstraintState(OutputGrammar grammar, int maxNewTokens)
    {
        _grammar = grammar;
        _remaining = maxNewTokens;
        _phase = grammar.IsObjectList ? Phase.Start : Phase.Label;
    }

    private enum Phase
    {
        /// <summary>Before the first object: end of sequence or the first location token.</summary>
        Start,

        /// <summary>Inside an object's four location tokens (<see cref="_index"/> of them read, 1..3).</summary>
        Box,

        /// <summary>Inside an object's mask tokens (<see cref="_index"/> 0..15).</summary>
        Mask,

        /// <summary>Inside a label, answer or separator (trie node <see cref="_node"/>).</summary>
        Label,

        /// <summary>The text is complete (or the generator left the grammar): end of sequence only.</summary>
        Done,
    }

    /// <summary>Gets a value indicating whether the generated text may end here (tests).</summary>
    internal bool CanEnd => _phase is Phase.Start or Phase.Done || (_phase == Phase.Label && _grammar.Accepts(_node));

    /// <summary>Sets every logit the grammar does not allow now to negative infinity.</summary>
    /// <param name="logits">One row of next-token logits (the vocabulary).</param>
    public void Mask(Span<float> logits)
    {
        Allowed(_allowed);
        int total = 0;
        foreach (var (start, count) in _allowed)
        {
            total += count;
        }

        if (_saved.Length < total)
        {
            _saved = new float[total];
        }

        int offset = 0;
        foreach (var (start, count) in _allowed)
        {
            if (start + count <= logits.Length)
            {
                logits.Slice(start, count).CopyTo(_saved.AsSpan(offset));
            }

            offset += count;
        }

        logits.Fill(float.NegativeInfinity);
        offset = 0;
        foreach (var (start, count) in _allowed)
        {
            if (start + count <= logits.Length)
            {
                _saved.AsSpan(offset, count).CopyTo(logits.Slice(start, count));
            }

            offset += count;
        }
    }

    /// <summary>Returns whether <paramref name="token"/> is allowed now (tests and fuzzing).</summary>
    internal bool IsAllowed(int token)
    {
        Allowed(_allowed);
        foreach (var (start, count) in _allowed)
        {
            if (token >= start && token < start + count)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets the allowed ids now, as ranges (tests and fuzzing).</summary>
    internal IReadOnlyList<(int Start, int Count)> AllowedRanges()
    {
        var ranges = new List<(int Start, int Count)>();
        Allowed(ranges);
        return ranges;
    }

    /// <summary>Moves past <paramref name="token"/>, the token the generator produced.</summary>
    public void Advance(int token)
    {
        bool allowed = IsAllowed(token);
        _remaining--;
        if (!allowed || token == _grammar.Tokens.Eos)
        {
            _phase = Phase.Done;
            return;
        }

        GrammarTokens ids = _grammar.Tokens;
        switch (_phase)
        {
            case Phase.Start:
                EnterBox(token - ids.LocStart);
                break;
            case Phase.Box:
                if (_index == 1)
                {
                    _secondBin = token - ids.LocStart;
                }

                _index++;
                if (_index == OutputGrammar.BoxTokens)
                {
                    (_phase, _index, _node) = _grammar.MaskTokens > 0 ? (Phase.Mask, 0, 0) : (Phase.Label, 0, 0);
                }

                break;
            case Phase.Mask:
                _index++;
                if (_index == _grammar.MaskTokens)
                {
                    (_phase, _node) = (Phase.Label, 0);
                }

                break;
            case Phase.Label:
                int child = _grammar.Child(_node, token);
                if (child >= 0)
                {
                    _node = child;
                }
                else
                {
                    // Not a trie edge, so the separator ended here and this is the next object's first location.
                    EnterBox(token - ids.LocStart);
                }

                break;
        }
    }

    private void EnterBox(int firstBin)
    {
        (_phase, _index, _firstBin) = (Phase.Box, 1, firstBin);
    }

    /// <summary>Fills <paramref name="ranges"/> with the ids allowed now within the remaining token budget.</summary>
    private void Allowed(List<(int Start, int Count)> ranges)
    {
        ranges.Clear();
        GrammarTokens ids = _grammar.Tokens;
        // Tokens left after the one chosen now; every step must leave a way to end within them.
        int after = _remaining - 1;
        int objectRest = _grammar.MinFinish(0);
        switch (_phase)
        {
            case Phase.Start:
                ranges.Add((ids.Eos, 1));
                AddFirstLocation(ranges, after, objectRest);
                break;
            case Phase.Box:
                // The first location was only allowed with room for the whole object, so no budget check here.
                (int low, int high) = _index switch
                {
                    1 => (0, LastBin - 1),
                    2 => (_firstBin + 1, LastBin),
                    _ => (_secondBin + 1, LastBin),
                };
                ranges.Add((ids.LocStart + low, high - low + 1));
                break;
            case Phase.Mask:
                ranges.Add((ids.SegStart, PaliGemmaSpecialTokens.SegmentationCodes));
                break;
            case Phase.Label:
                AddLabelTokens(ranges, after, objectRest, withinBudget: true);
                if (ranges.Count == 0)
                {
                    // Only when the limit was too small from the start (a choice longer than it): keep to the grammar.
                    AddLabelTokens(ranges, after, objectRest, withinBudget: false);
                }

                break;
            default:
                ranges.Add((ids.Eos, 1));
                break;
        }
    }

    private void AddLabelTokens(List<(int Start, int Count)> ranges, int after, int objectRest, bool withinBudget)
    {
        ReadOnlySpan<int> children = _grammar.ChildTokens(_node);
        for (int i = 0; i < children.Length; i++)
        {
            if (!withinBudget || _grammar.MinFinish(_grammar.ChildAt(_node, i)) <= after)
            {
                ranges.Add((children[i], 1));
            }
        }

        if (_grammar.Continues(_node))
        {
            if (withinBudget)
            {
                AddFirstLocation(ranges, after, objectRest);
            }
            else
            {
                ranges.Add((_grammar.Tokens.LocStart, LastBin));
            }
        }

        if (_grammar.Accepts(_node))
        {
            ranges.Add((_grammar.Tokens.Eos, 1));
        }
    }

    private void AddFirstLocation(List<(int Start, int Count)> ranges, int after, int objectRest)
    {
        // After the first location: three more, the mask tokens and the shortest label.
        if (OutputGrammar.BoxTokens - 1 + _grammar.MaskTokens + objectRest <= after)
        {
            ranges.Add((_grammar.Tokens.LocStart, LastBin)); // y1 ≤ 1022 so that y2 > y1 exists
        }
    }
}
