using PaliGemma.Cli.Evaluation;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>Box IoU and the greedy one-to-one matcher, against hand-computed values.</summary>
public sealed class MatchingTests
{
    [Theory]
    [InlineData(0, 0, 10, 10, 0, 0, 10, 10, 1.0)]             // identical
    [InlineData(0, 0, 10, 10, 5, 0, 15, 10, 50.0 / 150.0)]    // half shifted: 50 / (100 + 100 - 50)
    [InlineData(0, 0, 10, 10, 0, 0, 5, 10, 0.5)]              // contained half: 50 / 100
    [InlineData(0, 0, 10, 10, 10, 0, 20, 10, 0.0)]            // touching edges only
    [InlineData(0, 0, 10, 10, 30, 30, 40, 40, 0.0)]           // far apart
    [InlineData(0, 0, 4, 4, 2, 2, 6, 6, 4.0 / 28.0)]          // corner overlap 2×2: 4 / (16 + 16 - 4)
    [InlineData(5, 5, 5, 5, 5, 5, 5, 5, 0.0)]                 // two empty boxes: empty union
    public void Box_iou_matches_hand_computed_values(float l1, float t1, float r1, float b1, float l2, float t2, float r2, float b2, double expected)
    {
        Assert.Equal(expected, BoxIoU.Compute(new BoundingBox(l1, t1, r1, b1), new BoundingBox(l2, t2, r2, b2)), 12);
        Assert.Equal(expected, BoxIoU.Compute(new BoundingBox(l2, t2, r2, b2), new BoundingBox(l1, t1, r1, b1)), 12);
    }

    [Fact]
    public void Greedy_matching_takes_the_highest_score_first_not_the_first_prediction()
    {
        // Prediction 0 would take truth 0 (0.7) in prediction order; greedy gives truth 0 to prediction 1 (0.9).
        var pairs = GreedyMatcher.Match(new[,] { { 0.7, 0.6 }, { 0.9, 0.0 } }, 0.5);
        Assert.Equal([new MatchedPair(1, 0, 0.9), new MatchedPair(0, 1, 0.6)], pairs);
    }

    [Fact]
    public void Greedy_matching_uses_each_side_once_and_respects_the_threshold()
    {
        // One truth, three predictions: only the best is matched; 0.49 is below 0.5.
        Assert.Equal([new MatchedPair(2, 0, 0.8)], GreedyMatcher.Match(new[,] { { 0.6 }, { 0.49 }, { 0.8 } }, 0.5));
        Assert.Empty(GreedyMatcher.Match(new[,] { { 0.49, 0.3 } }, 0.5));
    }

    [Fact]
    public void Greedy_matching_includes_the_threshold_and_breaks_ties_by_index()
    {
        Assert.Equal([new MatchedPair(0, 0, 0.5), new MatchedPair(1, 1, 0.5)], GreedyMatcher.Match(new[,] { { 0.5, 0.5 }, { 0.5, 0.5 } }, 0.5));
    }

    [Fact]
    public void Greedy_matching_of_nothing_is_empty()
    {
        Assert.Empty(GreedyMatcher.Match(new double[0, 3], 0.5));
        Assert.Empty(GreedyMatcher.Match(new double[2, 0], 0.5));
    }
}
