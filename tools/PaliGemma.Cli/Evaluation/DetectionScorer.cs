using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>
/// Detection mAP@0.5 over scenes. Per scene and class, predictions (those whose label is the class name) are matched
/// one-to-one to that class's ground-truth boxes by <see cref="GreedyMatcher"/> with box IoU ≥ <see cref="IouThreshold"/>
/// (highest IoU first). PaliGemma gives no confidences, so every prediction scores 1: the precision–recall curve of a class
/// is a single operating point, and its average precision is <c>precision × recall</c> there (precision = matched /
/// predicted, 0 with no predictions; recall = matched / ground truth). mAP is the mean over classes with at least one
/// ground-truth object. Predictions with a label that is no class count as false positives in the overall precision only.
/// </summary>
internal sealed class DetectionScorer
{
    /// <summary>The IoU a prediction needs to match a ground-truth box.</summary>
    public const double IouThreshold = 0.5;

    private readonly IReadOnlyList<string> _classes;
    private readonly int[] _truths;
    private readonly int[] _predictions;
    private readonly int[] _matched;
    private int _otherLabels;
    private double _matchedIoUSum;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="classes">The class names (ordinal comparison with the predicted labels).</param>
    public DetectionScorer(IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        _classes = classes;
        _truths = new int[classes.Count];
        _predictions = new int[classes.Count];
        _matched = new int[classes.Count];
    }

    /// <summary>Adds one scene.</summary>
    /// <param name="truth">The scene's ground-truth objects.</param>
    /// <param name="predictions">The detections of that scene.</param>
    public void Add(IReadOnlyList<SceneObject> truth, IReadOnlyList<DetectedObject> predictions)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predictions);
        _otherLabels += predictions.Count(p => !_classes.Contains(p.Label, StringComparer.Ordinal));
        for (int c = 0; c < _classes.Count; c++)
        {
            string name = _classes[c];
            BoundingBox[] truths = [.. truth.Where(o => o.Shape == name).Select(o => o.Box)];
            BoundingBox[] boxes = [.. predictions.Where(p => p.Label == name).Select(p => p.Box)];
            var iou = new double[boxes.Length, truths.Length];
            for (int p = 0; p < boxes.Length; p++)
            {
                for (int t = 0; t < truths.Length; t++)
                {
                    iou[p, t] = BoxIoU.Compute(boxes[p], truths[t]);
                }
            }

            IReadOnlyList<MatchedPair> pairs = GreedyMatcher.Match(iou, IouThreshold);
            _truths[c] += truths.Length;
            _predictions[c] += boxes.Length;
            _matched[c] += pairs.Count;
            _matchedIoUSum += pairs.Sum(p => p.Score);
        }
    }

    /// <summary>Returns the metrics over the scenes added so far.</summary>
    public DetectionMetrics Summarize()
    {
        var perClass = new List<ClassDetectionMetrics>(_classes.Count);
        for (int c = 0; c < _classes.Count; c++)
        {
            double precision = Ratio(_matched[c], _predictions[c]);
            double recall = Ratio(_matched[c], _truths[c]);
            perClass.Add(new ClassDetectionMetrics(_classes[c], _truths[c], _predictions[c], _matched[c], precision, recall, precision * recall));
        }

        ClassDetectionMetrics[] withTruth = [.. perClass.Where(c => c.GroundTruth > 0)];
        int matched = _matched.Sum();
        int predicted = _predictions.Sum() + _otherLabels;
        return new DetectionMetrics(
            MeanAveragePrecision: withTruth.Length > 0 ? withTruth.Average(c => c.AveragePrecision) : 0,
            Precision: Ratio(matched, predicted),
            Recall: Ratio(matched, _truths.Sum()),
            MeanMatchedIoU: matched > 0 ? _matchedIoUSum / matched : 0,
            GroundTruth: _truths.Sum(),
            Predictions: predicted,
            OtherLabelPredictions: _otherLabels,
            Matched: matched,
            Classes: perClass);
    }

    private static double Ratio(int count, int total) => total > 0 ? (double)count / total : 0;
}
