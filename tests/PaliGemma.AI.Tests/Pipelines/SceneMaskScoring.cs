using System.Text.Json;
using SkiaSharp;

namespace PaliGemma.AI.Tests.Pipelines;

/// <summary>
/// Scores masks exported to COCO against a generated scene's truth, independently of the library: the RLE is decoded by
/// <see cref="CocoWriterTests.DecodeRle"/> and compared pixel by pixel with the scene's label PNG (0 = background,
/// i + 1 = object i).
/// </summary>
internal sealed class SceneMaskScoring(GeneratedScenes scenes)
{
    private readonly Dictionary<string, byte[,]> _labels = new(StringComparer.Ordinal);

    /// <summary>The pixel IoU of a COCO RLE mask with object <paramref name="truthIndex"/> of <paramref name="scene"/>; also its foreground area.</summary>
    public (double IoU, int Area) Score(GeneratedScenes.Scene scene, int truthIndex, JsonElement rle)
    {
        bool[,] mask = CocoWriterTests.DecodeRle(rle, out int h, out int w);
        byte[,] labels = Labels(scene);
        Assert.Equal((labels.GetLength(0), labels.GetLength(1)), (h, w));
        int inter = 0, union = 0, area = 0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                bool p = mask[y, x], t = labels[y, x] == truthIndex + 1;
                inter += p && t ? 1 : 0;
                union += p || t ? 1 : 0;
                area += p ? 1 : 0;
            }
        }

        return (union == 0 ? 0 : (double)inter / union, area);
    }

    /// <summary>
    /// Matches predicted objects one-to-one with the scene's true objects, as COCO's evaluation does: a pair needs the same
    /// shape and box IoU ≥ 0.5, and pairs are taken greedily by box IoU, highest first, each true object and each prediction
    /// at most once (a second prediction on an object already matched is a false positive, not a second match).
    /// </summary>
    /// <returns>For each prediction, the index of its true object, or −1.</returns>
    public static int[] Match(GeneratedScenes.Scene scene, IReadOnlyList<(string Label, BoundingBox Box)> predictions)
    {
        var pairs = new List<(double IoU, int Prediction, int Truth)>();
        for (int p = 0; p < predictions.Count; p++)
        {
            for (int t = 0; t < scene.Objects.Count; t++)
            {
                double iou = scene.Objects[t].Box.IoU(predictions[p].Box);
                if (scene.Objects[t].Shape == predictions[p].Label && iou >= 0.5)
                {
                    pairs.Add((iou, p, t));
                }
            }
        }

        int[] match = [.. Enumerable.Repeat(-1, predictions.Count)];
        var taken = new HashSet<int>();
        foreach (var (_, p, t) in pairs.OrderByDescending(x => x.IoU).ThenBy(x => x.Prediction).ThenBy(x => x.Truth))
        {
            if (match[p] < 0 && taken.Add(t))
            {
                match[p] = t;
            }
        }

        return match;
    }

    private byte[,] Labels(GeneratedScenes.Scene scene)
    {
        if (!_labels.TryGetValue(scene.Masks, out byte[,]? labels))
        {
            using SKBitmap bitmap = SKBitmap.Decode(Path.Combine(scenes.Folder, scene.Masks));
            labels = new byte[bitmap.Height, bitmap.Width];
            for (int y = 0; y < bitmap.Height; y++)
            {
                for (int x = 0; x < bitmap.Width; x++)
                {
                    labels[y, x] = bitmap.GetPixel(x, y).Red;
                }
            }

            _labels[scene.Masks] = labels;
        }

        return labels;
    }
}
