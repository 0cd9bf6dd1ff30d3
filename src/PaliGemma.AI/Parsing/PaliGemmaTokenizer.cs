namespace PaliGemma.AI;

/// <summary>
/// Splits generated text into location tokens, segmentation tokens and runs of other text, in one linear pass
/// without allocating. Use it with <c>foreach</c>.
/// </summary>
internal ref struct PaliGemmaTokenizer
{
    private readonly ReadOnlySpan<char> _text;
    private int _position;

    /// <summary>Initialises a tokenizer over <paramref name="text"/>.</summary>
    /// <param name="text">The generated text.</param>
    public PaliGemmaTokenizer(ReadOnlySpan<char> text)
    {
        _text = text;
        _position = 0;
        Current = default;
    }

    /// <summary>Gets the current piece.</summary>
    public PaliGemmaToken Current { get; private set; }

    /// <summary>Returns this tokenizer, so that it can be used with <c>foreach</c>.</summary>
    /// <returns>This tokenizer.</returns>
    public readonly PaliGemmaTokenizer GetEnumerator() => this;

    /// <summary>Moves to the next piece.</summary>
    /// <returns><see langword="false"/> at the end of the text.</returns>
    public bool MoveNext()
    {
        if (_position >= _text.Length)
        {
            return false;
        }

        if (PaliGemmaSpecialTokens.TryReadSpecial(_text[_position..], out var token))
        {
            Current = token with { Start = _position };
            _position += token.Length;
            return true;
        }

        var end = FindNextSpecial(_text, _position + 1);
        Current = new PaliGemmaToken(PaliGemmaTokenKind.Text, -1, _position, end - _position);
        _position = end;
        return true;
    }

    /// <summary>Finds the offset of the next valid special token at or after <paramref name="from"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="from">Where to start looking.</param>
    /// <returns>The offset, or the text length when there is none.</returns>
    internal static int FindNextSpecial(ReadOnlySpan<char> text, int from)
    {
        while (from < text.Length)
        {
            var next = text[from..].IndexOf('<');
            if (next < 0)
            {
                return text.Length;
            }

            from += next;
            if (PaliGemmaSpecialTokens.TryReadSpecial(text[from..], out _))
            {
                return from;
            }

            from++;
        }

        return text.Length;
    }
}
