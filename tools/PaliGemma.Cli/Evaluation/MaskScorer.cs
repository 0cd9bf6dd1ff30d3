using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>
/// Mask mIoU, referring-style: for each shape class present in a scene the model is asked <c>segment {shape}</c> once; each
/// ground-truth object of that class gets the pixel IoU with the predicted mask it is matched to (one-to-one, highest IoU
/// first, by <see cref="GreedyMatcher"/>), or 0 when no prediction is left for it. Predictions without a decoded mask
/// (no mask decoder, malformed codes) have IoU 0 with everything. mIoU is the mean over all ground-truth objects.
/// All objects a request returns are its predictions, whatever label the model wrote. The same figures are kept per class,
/// with the objects whose IoU reaches one half (the bar a usable mask clears).
/// </summary>
internal sealed class MaskScorer
{
    private int _predictions;
    private int _decoded;
    private int _requests;
    private readonly SortedDictionary<string, (int Objects, int AtLeastHalf, double IoUSum)> _classes = new(StringComparer.Ordinal);

    /// <summary>Adds the answer to one <c>segment {shape}</c> request.</summary>
    /// <param name="truth">The scene's label image.</param>
    /// <param name="objects">The scene's objects (object <c>i</c> has label <c>i + 1</c>).</param>
    /// <param name="shape">The class that was asked for.</param>
    /// <param name="predictions">The segmented objects the request returned.</param>
    public void Add(LabelMask truth, IReadOnlyList<SceneObject> objects, string shape, IReadOnlyList<SegmentedObject> predictions)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(predictions);
        int[] labels = [.. Enumerable.Range(0, objects.Count).Where(i => objects[i].Shape == shape).Select(i => i + 1)];
        var iou = new double[predictions.Count, labels.Length];
        for (int p = 0; p < predictions.Count; p++)
        {
            for (int t = 0; t < labels.Length; t++)
            {
                iou[p, t] = truth.IoU(labels[t], predictions[p].Mask);
            }
        }

        _requests++;
        _predictions += predictions.Count;
        _decoded += predictions.Count(p => p.Mask is not null);
        double[] best = new double[labels.Length]; // 0 for an object no prediction was left for
        foreach (MatchedPair pair in GreedyMatcher.Match(iou, 0))
        {
            best[pair.Truth] = pair.Score;
        }

        (int objectsOfClass, int atLeastHalf, double sum) = _classes.GetValueOrDefault(shape);
        _classes[shape] = (objectsOfClass + labels.Length, atLeastHalf + best.Count(v => v >= HalfIoU), sum + best.Sum());
    }

    /// <summary>The IoU a mask counts as usable from (<see cref="ClassMaskMetrics.AtLeastHalf"/>).</summary>
    public const double HalfIoU = 0.5;

    /// <summary>Returns the metrics over the requests added so far (the overall figures are the sums over the classes).</summary>
    public MaskMetrics Summarize()
    {
        int objects = _classes.Values.Sum(c => c.Objects);
        double iouSum = _classes.Values.Sum(c => c.IoUSum);
        return new(Mean(iouSum, objects), objects, _requests, _predictions, _decoded,
            [.. _classes.Select(c => new ClassMaskMetrics(c.Key, c.Value.Objects, Mean(c.Value.IoUSum, c.Value.Objects), c.Value.AtLeastHalf))]);
    }

    private static double Mean(double sum, int count) => count > 0 ? sum / count : 0;
}
