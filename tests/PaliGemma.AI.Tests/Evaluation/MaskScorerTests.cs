using PaliGemma.Cli.Evaluation;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Evaluation;

/// <summary>Ground-truth label masks and referring-style mask mIoU, against hand-computed values.</summary>
public sealed class MaskScorerTests
{
    // A 10×10 scene: object 0 (circle, label 1) = x 0..3, y 0..3 (16 px); object 1 (circle, label 2) = x 6..9, y 6..9 (16 px);
    // object 2 (square, label 3) = x 0..1, y 8..9 (4 px).
    private static readonly SceneObject[] Objects =
    [
        new("circle", "red", new BoundingBox(0, 0, 4, 4)),
        new("circle", "blue", new BoundingBox(6, 6, 10, 10)),
        new("square", "red", new BoundingBox(0, 8, 2, 10)),
    ];

    private static LabelMask Truth()
    {
        var labels = new byte[100];
        for (int y = 0; y < 10; y++)
        {
            for (int x = 0; x < 10; x++)
            {
                labels[(y * 10) + x] = x < 4 && y < 4 ? (byte)1 : x >= 6 && y >= 6 ? (byte)2 : x < 2 && y >= 8 ? (byte)3 : (byte)0;
            }
        }

        return new LabelMask(10, 10, labels);
    }

    /// <summary>A decoded mask that fills its whole (integer) box: constant positive logits stay positive when resized.</summary>
    private static SegmentedObject Filled(string label, float l, float t, float r, float b) =>
        new(label, new BoundingBox(l, t, r, b), [.. Enumerable.Repeat(0, 16)]) { Mask = SegmentationMask.FromLogits(Enumerable.Repeat(1f, 4096).ToArray(), new BoundingBox(l, t, r, b), 10, 10) };

    [Fact]
    public void Label_mask_iou_is_intersection_over_union_of_pixels()
    {
        LabelMask truth = Truth();
        Assert.Equal((16, 16, 4, 64), (truth.Area(1), truth.Area(2), truth.Area(3), truth.Area(0)));
        Assert.Equal(8.0 / 16.0, truth.IoU(1, Filled("circle", 0, 0, 4, 2).Mask), 12);   // top half of object 0
        Assert.Equal(16.0 / 36.0, truth.IoU(1, Filled("circle", 0, 0, 6, 6).Mask), 12);  // 16 inside a 36-pixel mask
        Assert.Equal(1.0, truth.IoU(2, Filled("circle", 6, 6, 10, 10).Mask), 12);
        Assert.Equal(0.0, truth.IoU(3, Filled("circle", 6, 6, 10, 10).Mask), 12);
        Assert.Equal(0.0, truth.IoU(1, null));
        Assert.Throws<ArgumentException>(() => truth.IoU(1, SegmentationMask.FromLogits(new float[4096], new BoundingBox(0, 0, 4, 4), 11, 10)));
    }

    [Fact]
    public void Miou_matches_each_object_to_its_best_mask_and_counts_misses_and_undecoded_masks_as_zero()
    {
        var scorer = new MaskScorer();
        LabelMask truth = Truth();
        scorer.Add(truth, Objects, "circle", [
            Filled("circle", 0, 0, 4, 2),                                  // object 0: 0.5
            new SegmentedObject("circle", new BoundingBox(0, 0, 4, 4), [.. Enumerable.Repeat(0, 16)]), // no decoded mask: 0
            Filled("circle", 6, 6, 10, 10),                                // object 1: 1.0
        ]);
        scorer.Add(truth, Objects, "square", []);                          // object 2 missed: 0

        MaskMetrics m = scorer.Summarize();
        Assert.Equal(1.5 / 3.0, m.MeanIoU, 12);
        Assert.Equal((3, 2, 3, 2), (m.Objects, m.Requests, m.Predictions, m.DecodedMasks));
        Assert.Equal(2, m.Classes.Count);
        Assert.Equal(("circle", 2, 2), (m.Classes[0].Name, m.Classes[0].Objects, m.Classes[0].AtLeastHalf)); // 0.5 counts, like 1.0
        Assert.Equal(1.5 / 2.0, m.Classes[0].MeanIoU, 12);
        Assert.Equal(new ClassMaskMetrics("square", 1, 0, 0), m.Classes[1]);
    }

    [Fact]
    public void One_mask_covering_two_objects_is_used_once()
    {
        var scorer = new MaskScorer();
        scorer.Add(Truth(), Objects, "circle", [Filled("circle", 0, 0, 10, 10)]); // 16 of 100 pixels for either circle
        Assert.Equal(0.16 / 2.0, scorer.Summarize().MeanIoU, 12);
    }

    [Fact]
    public void No_requests_give_zero()
    {
        MaskMetrics m = new MaskScorer().Summarize();
        Assert.Equal((0.0, 0, 0, 0, 0), (m.MeanIoU, m.Objects, m.Requests, m.Predictions, m.DecodedMasks));
        Assert.Empty(m.Classes);
    }

    [Fact]
    public void Label_png_of_a_fixture_scene_has_the_areas_numpy_counted()
    {
        // scene 1: objects[0] = square box [99, 14, 141, 56] (42 × 42 = 1764 px), objects[1] = circle (2076 px, counted by numpy).
        string path = Path.Combine(CliProcess.FixtureFolder("scenes"), "scene-1-masks.png");
        LabelMask truth = LabelMask.Load(path, 224, 2);
        Assert.Equal((1764, 2076), (truth.Area(1), truth.Area(2)));
        Assert.Equal((1, 2, 0), (truth[120, 30], truth[110, 190], truth[0, 0]));
    }

    [Fact]
    public void Label_png_errors_name_the_file_and_the_problem()
    {
        string path = Path.Combine(CliProcess.FixtureFolder("scenes"), "scene-1-masks.png");
        var wrongSize = Assert.Throws<SceneSetFormatException>(() => LabelMask.Load(path, 112, 2));
        Assert.Contains(path, wrongSize.Message, StringComparison.Ordinal);
        Assert.Contains("224×224", wrongSize.Message, StringComparison.Ordinal);
        var tooFew = Assert.Throws<SceneSetFormatException>(() => LabelMask.Load(path, 224, 1));
        Assert.Contains("label 2", tooFew.Message, StringComparison.Ordinal);
        var missingObject = Assert.Throws<SceneSetFormatException>(() => LabelMask.Load(path, 224, 3));
        Assert.Contains("object 2", missingObject.Message, StringComparison.Ordinal);

        string notImage = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notImage, "not a png");
            Assert.Contains(notImage, Assert.Throws<SceneSetFormatException>(() => LabelMask.Load(notImage, 224, 1)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(notImage);
        }
    }
}
