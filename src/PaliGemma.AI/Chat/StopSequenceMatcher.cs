using System.Text;

namespace PaliGemma.AI;

/// <summary>
/// Finds stop sequences in streamed text whose pieces arrive token by token. Text that could still be the start of a
/// stop sequence is held back until the next piece decides it, so a sequence spanning several tokens is never
/// partly emitted. Matching is ordinal.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly StringBuilder _pending = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="stopSequences">The sequences; null and empty entries are ignored.</param>
    public StopSequenceMatcher(IEnumerable<string>? stopSequences)
    {
        _stops = stopSequences is null ? [] : [.. stopSequences.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Gets whether a stop sequence has been found (further input is ignored).</summary>
    public bool Stopped { get; private set; }

    /// <summary>Gets the stop sequence that was found, or <see langword="null"/>.</summary>
    public string? MatchedSequence { get; private set; }

    /// <summary>Adds a piece of decoded text and returns the text that can be released now.</summary>
    /// <param name="piece">The next piece of output text.</param>
    /// <returns>Text safe to emit (possibly empty). After a match, the text before the match.</returns>
    public string Append(string piece)
    {
        if (Stopped || string.IsNullOrEmpty(piece))
        {
            return string.Empty;
        }

        if (_stops.Length == 0)
        {
            return piece;
        }

        _pending.Append(piece);
        var text = _pending.ToString();

        var matchAt = -1;
        foreach (var stop in _stops)
        {
            var index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (matchAt < 0 || index < matchAt))
            {
                matchAt = index;
                MatchedSequence = stop;
            }
        }

        if (matchAt >= 0)
        {
            Stopped = true;
            _pending.Clear();
            return text[..matchAt];
        }

        var hold = LongestSuffixThatStartsAStop(text);
        _pending.Clear();
        _pending.Append(text, text.Length - hold, hold);
        return text[..^hold];
    }

    /// <summary>Returns the text still held back (the stream ended without completing a stop sequence).</summary>
    /// <returns>The held text; empty after a match.</returns>
    public string Flush()
    {
        var text = Stopped ? string.Empty : _pending.ToString();
        _pending.Clear();
        return text;
    }

    private int LongestSuffixThatStartsAStop(string text)
    {
        var best = 0;
        foreach (var stop in _stops)
        {
            // A full occurrence was ruled out above, so only proper prefixes of the stop sequence matter.
            for (var length = Math.Min(stop.Length - 1, text.Length); length > best; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    best = length;
                    break;
                }
            }
        }

        return best;
    }
}
