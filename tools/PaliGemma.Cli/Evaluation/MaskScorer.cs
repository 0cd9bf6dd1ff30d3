using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>
/// Mask mIoU, referring-style: for each shape class present in a scene the model is asked <c>segment {shape}</c> once; each
/// ground-truth object of that class gets the pixel IoU with the predicted mask it is matched to (one-to-one, highest IoU
/// first, by <see cref="GreedyMatcher"/>), or 0 when no prediction is left for it. Predictions without a decoded mask
/// (no mask decoder, malformed codes) have IoU 0 with everything. mIoU is the mean over all ground-truth objects.
/// All objects a request returns are its predictions, whatever label the model wrote.
/// </summary>
internal sealed class MaskScorer
{
    private int _objects;
    private int _predictions;
    private int _decoded;
    private int _requests;
    private double _iouSum;

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
        _objects += labels.Length;
        _predictions += predictions.Count;
        _decoded += predictions.Count(p => p.Mask is not null);
        _iouSum += GreedyMatcher.Match(iou, 0).Sum(p => p.Score);
    }

    /// <summary>Returns the metrics over the requests added so far.</summary>
    public MaskMetrics Summarize() =>
        new(_objects > 0 ? _iouSum / _objects : 0, _objects, _requests, _predictions, _decoded);
}
