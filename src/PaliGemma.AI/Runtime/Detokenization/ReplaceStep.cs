namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>The <c>Replace</c> decoder with a plain-string pattern (Gemma: <c>"▁"</c> → <c>" "</c>), applied to each token.</summary>
internal sealed class ReplaceStep : MapStep
{
    private readonly string _pattern;
    private readonly string _content;

    /// <summary>Creates the step.</summary>
    /// <param name="pattern">The non-empty text to find.</param>
    /// <param name="content">Its replacement.</param>
    public ReplaceStep(string pattern, string content)
    {
        _pattern = pattern;
        _content = content;
    }

    /// <summary>The pattern's length in UTF-16 units (a one-unit pattern cannot span two tokens).</summary>
    public int PatternLength => _pattern.Length;

    /// <inheritdoc />
    public override string Map(string token) => token.Replace(_pattern, _content, StringComparison.Ordinal);
}
