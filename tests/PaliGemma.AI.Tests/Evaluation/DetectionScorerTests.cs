using PaliGemma.Cli.Evaluation;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>mAP@0.5 with tied scores (AP = precision × recall per class), against hand-computed values.</summary>
public sealed class DetectionScorerTests
{
    private static SceneObject Truth(string shape, float l, float t, float r, float b) => new(shape, "red", new BoundingBox(l, t, r, b));

    private static DetectedObject Box(string label, float l, float t, float r, float b) => new(label, new BoundingBox(l, t, r, b));

    [Fact]
    public void Duplicates_misses_wrong_classes_and_other_labels_score_as_computed_by_hand()
    {
        var scorer = new DetectionScorer(SceneShapes.All);
        scorer.Add(
            [Truth("circle", 0, 0, 10, 10), Truth("circle", 20, 0, 30, 10), Truth("square", 0, 20, 10, 30)],
            [
                Box("circle", 0, 0, 10, 10),     // TP, IoU 1 with the first circle
                Box("circle", 0, 0, 10, 10),     // duplicate: the first circle is taken, IoU 0 with the second → FP
                Box("circle", 50, 50, 60, 60),   // FP
                Box("triangle", 0, 20, 10, 30),  // on the square, but the wrong class: FP of a class without ground truth
                Box("dog", 1, 1, 2, 2),          // no class: counts only in the overall precision
            ]);

        DetectionMetrics m = scorer.Summarize();
        ClassDetectionMetrics circle = m.Classes.Single(c => c.Name == "circle");
        Assert.Equal((2, 3, 1), (circle.GroundTruth, circle.Predictions, circle.Matched));
        Assert.Equal(1.0 / 3.0, circle.Precision, 12);
        Assert.Equal(0.5, circle.Recall, 12);
        Assert.Equal(1.0 / 6.0, circle.AveragePrecision, 12);
        ClassDetectionMetrics square = m.Classes.Single(c => c.Name == "square");
        Assert.Equal((1, 0, 0, 0.0, 0.0, 0.0), (square.GroundTruth, square.Predictions, square.Matched, square.Precision, square.Recall, square.AveragePrecision));
        Assert.Equal((0, 1, 0), (m.Classes.Single(c => c.Name == "triangle").GroundTruth, m.Classes.Single(c => c.Name == "triangle").Predictions, m.Classes.Single(c => c.Name == "triangle").Matched));

        Assert.Equal(1.0 / 12.0, m.MeanAveragePrecision, 12); // (1/6 + 0) / 2: triangle, star, hexagon have no ground truth
        Assert.Equal((3, 5, 1, 1), (m.GroundTruth, m.Predictions, m.OtherLabelPredictions, m.Matched));
        Assert.Equal(1.0 / 5.0, m.Precision, 12);
        Assert.Equal(1.0 / 3.0, m.Recall, 12);
        Assert.Equal(1.0, m.MeanMatchedIoU, 12);
    }

    [Fact]
    public void An_iou_of_exactly_one_half_matches_and_sets_the_mean_iou()
    {
        var scorer = new DetectionScorer(SceneShapes.All);
        scorer.Add([Truth("star", 0, 0, 10, 10)], [Box("star", 0, 0, 10, 5)]); // 50 / 100
        DetectionMetrics m = scorer.Summarize();
        Assert.Equal(1.0, m.MeanAveragePrecision, 12);
        Assert.Equal(0.5, m.MeanMatchedIoU, 12);

        var below = new DetectionScorer(SceneShapes.All);
        below.Add([Truth("star", 0, 0, 10, 10)], [Box("star", 0, 0, 10, 4.9f)]);
        Assert.Equal((0.0, 0, 0.0), (below.Summarize().MeanAveragePrecision, below.Summarize().Matched, below.Summarize().MeanMatchedIoU));
    }

    [Fact]
    public void Predictions_never_match_ground_truth_of_another_scene()
    {
        var scorer = new DetectionScorer(SceneShapes.All);
        scorer.Add([Truth("circle", 0, 0, 10, 10)], []);                       // a miss, with empty predictions
        scorer.Add([Truth("square", 0, 0, 10, 10)], [Box("circle", 0, 0, 10, 10)]); // same box, next scene, no circle there
        DetectionMetrics m = scorer.Summarize();
        Assert.Equal((2, 1, 0), (m.GroundTruth, m.Predictions, m.Matched));
        Assert.Equal(0.0, m.MeanAveragePrecision);
        Assert.Equal(0.0, m.Precision);
        Assert.Equal(0.0, m.Recall);
    }

    [Fact]
    public void Two_scenes_accumulate_per_class_before_taking_precision_times_recall()
    {
        var scorer = new DetectionScorer(SceneShapes.All);
        scorer.Add([Truth("hexagon", 0, 0, 10, 10)], [Box("hexagon", 0, 0, 10, 10)]);
        scorer.Add([Truth("hexagon", 0, 0, 10, 10), Truth("hexagon", 50, 50, 60, 60)], [Box("hexagon", 50, 50, 60, 60), Box("hexagon", 100, 100, 110, 110)]);
        ClassDetectionMetrics hexagon = scorer.Summarize().Classes.Single(c => c.Name == "hexagon");
        Assert.Equal((3, 3, 2), (hexagon.GroundTruth, hexagon.Predictions, hexagon.Matched));
        Assert.Equal(4.0 / 9.0, hexagon.AveragePrecision, 12); // (2/3) × (2/3)
        Assert.Equal(4.0 / 9.0, scorer.Summarize().MeanAveragePrecision, 12);
    }

    [Fact]
    public void No_scenes_give_zeros_not_nan()
    {
        DetectionMetrics m = new DetectionScorer(SceneShapes.All).Summarize();
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (m.MeanAveragePrecision, m.Precision, m.Recall, m.MeanMatchedIoU));
        Assert.Equal(5, m.Classes.Count);
    }
}
