using PaliGemma.Cli.Evaluation;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>Exact match and OCR character accuracy (1 − Levenshtein / length, floored at 0), against hand-computed values.</summary>
public sealed class TextScorerTests
{
    [Theory]
    [InlineData("bus", "bus", 1.0)]
    [InlineData(" bus \n", "bus", 1.0)]        // trimmed
    [InlineData("bsu", "bus", 1.0 / 3.0)]      // two substitutions
    [InlineData("buss", "bus", 2.0 / 3.0)]     // one insertion
    [InlineData("bu", "bus", 2.0 / 3.0)]       // one deletion
    [InlineData("", "bus", 0.0)]               // empty prediction: three deletions
    [InlineData("BUS", "bus", 0.0)]            // case-sensitive: three substitutions
    [InlineData("1234567", "42", 0.0)]         // distance 6 > length 2: floored at 0
    [InlineData("4321", "1234", 0.0)]          // distance 4 = length
    [InlineData("12345", "1234", 0.75)]        // one insertion over four characters
    public void Character_accuracy_matches_hand_computed_values(string predicted, string truth, double expected)
    {
        Assert.Equal(expected, OcrScorer.CharacterAccuracy(predicted, truth), 12);
    }

    [Fact]
    public void Character_accuracy_of_an_empty_truth_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => OcrScorer.CharacterAccuracy("x", " "));
    }

    [Fact]
    public void Ocr_scorer_averages_over_readings()
    {
        var scorer = new OcrScorer();
        scorer.Add("bus", "bus");
        scorer.Add("bsu", "bus");
        scorer.Add("x", "42");
        OcrMetrics m = scorer.Summarize();
        Assert.Equal((1.0 + (1.0 / 3.0) + 0.0) / 3.0, m.CharacterAccuracy, 12);
        Assert.Equal(1.0 / 3.0, m.ExactMatch, 12);
        Assert.Equal((1, 3), (m.Matched, m.Total));
        Assert.Equal(new OcrMetrics(0, 0, 0, 0), new OcrScorer().Summarize());
    }

    [Fact]
    public void Exact_match_trims_and_is_case_sensitive()
    {
        var scorer = new ExactMatchScorer();
        scorer.Add("a red circle", "a red circle");
        scorer.Add("A red circle", "a red circle");
        scorer.Add(" 2\n", "2");
        scorer.Add("2 ", "3");
        Assert.Equal(new ExactMatchMetrics(0.5, 2, 4), scorer.Summarize());
        Assert.Equal(new ExactMatchMetrics(0, 0, 0), new ExactMatchScorer().Summarize());
    }
}
