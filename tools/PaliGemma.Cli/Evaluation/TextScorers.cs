using Quickenshtein;

namespace PaliGemma.Cli.Evaluation;

/// <summary>Exact-match rate of answers (ordinal, case-sensitive, after trimming white space from both sides).</summary>
internal sealed class ExactMatchScorer
{
    private int _total;
    private int _matched;

    /// <summary>Returns whether <paramref name="predicted"/> equals <paramref name="expected"/> after trimming both.</summary>
    public static bool Matches(string predicted, string expected) =>
        string.Equals(predicted.Trim(), expected.Trim(), StringComparison.Ordinal);

    /// <summary>Adds one answer.</summary>
    public void Add(string predicted, string expected)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(expected);
        _total++;
        _matched += Matches(predicted, expected) ? 1 : 0;
    }

    /// <summary>Returns the rate over the answers added so far (0 with none).</summary>
    public ExactMatchMetrics Summarize() => new(_total > 0 ? (double)_matched / _total : 0, _matched, _total);
}

/// <summary>
/// OCR character accuracy: per scene with text, <c>max(0, 1 − Levenshtein(prediction, truth) / length(truth))</c> over UTF-16
/// characters (both trimmed, case-sensitive), averaged over scenes; plus the exact-match rate.
/// </summary>
internal sealed class OcrScorer
{
    private int _total;
    private int _exact;
    private double _accuracySum;

    /// <summary>Returns the character accuracy of one reading.</summary>
    /// <param name="predicted">The model's text.</param>
    /// <param name="truth">The rendered text (not empty after trimming).</param>
    /// <exception cref="ArgumentException"><paramref name="truth"/> is empty.</exception>
    public static double CharacterAccuracy(string predicted, string truth)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(truth);
        string p = predicted.Trim(), t = truth.Trim();
        if (t.Length == 0)
        {
            throw new ArgumentException("The ground-truth text is empty; character accuracy is undefined.", nameof(truth));
        }

        return Math.Max(0, 1 - ((double)Levenshtein.GetDistance(p, t) / t.Length));
    }

    /// <summary>Adds one reading.</summary>
    public void Add(string predicted, string truth)
    {
        double accuracy = CharacterAccuracy(predicted, truth);
        _total++;
        _accuracySum += accuracy;
        _exact += ExactMatchScorer.Matches(predicted, truth) ? 1 : 0;
    }

    /// <summary>Returns the metrics over the readings added so far (0 with none).</summary>
    public OcrMetrics Summarize() =>
        new(_total > 0 ? _accuracySum / _total : 0, _total > 0 ? (double)_exact / _total : 0, _exact, _total);
}
