namespace PaliGemma.Cli.Evaluation;

/// <summary>One prediction–ground-truth pair chosen by <see cref="GreedyMatcher"/>.</summary>
/// <param name="Prediction">The prediction's index.</param>
/// <param name="Truth">The ground-truth object's index.</param>
/// <param name="Score">The pair's score (an IoU).</param>
internal readonly record struct MatchedPair(int Prediction, int Truth, double Score);

/// <summary>
/// One-to-one greedy matching: all pairs scoring at least a threshold, highest score first (ties: lower prediction index,
/// then lower ground-truth index), each pair taken when neither side is used yet.
/// </summary>
internal static class GreedyMatcher
{
    /// <summary>Matches predictions to ground truth.</summary>
    /// <param name="scores">Scores indexed [prediction, truth].</param>
    /// <param name="minimumScore">The lowest score a pair may have (inclusive).</param>
    /// <returns>The chosen pairs, in the order they were taken.</returns>
    public static IReadOnlyList<MatchedPair> Match(double[,] scores, double minimumScore)
    {
        ArgumentNullException.ThrowIfNull(scores);
        int predictions = scores.GetLength(0), truths = scores.GetLength(1);
        var candidates = new List<MatchedPair>();
        for (int p = 0; p < predictions; p++)
        {
            for (int t = 0; t < truths; t++)
            {
                if (scores[p, t] >= minimumScore)
                {
                    candidates.Add(new MatchedPair(p, t, scores[p, t]));
                }
            }
        }

        candidates.Sort(static (a, b) =>
            b.Score.CompareTo(a.Score) is var byScore and not 0 ? byScore :
            a.Prediction != b.Prediction ? a.Prediction.CompareTo(b.Prediction) :
            a.Truth.CompareTo(b.Truth));
        var usedPredictions = new bool[predictions];
        var usedTruths = new bool[truths];
        var pairs = new List<MatchedPair>();
        foreach (MatchedPair pair in candidates)
        {
            if (!usedPredictions[pair.Prediction] && !usedTruths[pair.Truth])
            {
                usedPredictions[pair.Prediction] = usedTruths[pair.Truth] = true;
                pairs.Add(pair);
            }
        }

        return pairs;
    }
}
