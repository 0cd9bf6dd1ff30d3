using PaliGemma.AI;
using PaliGemma.Onnx.Bundled;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Pipelines;

/// <summary>Issue 26's acceptance check of the composition API on the bundled scene model: detect the five shapes, then caption each crop.</summary>
public sealed class ScenePipelineTests : IClassFixture<GeneratedScenes>
{
    // Issue 26's target. Measured (greedy, so deterministic): 80 of 89 matched objects (89.9 %) with the crop padded by a
    // quarter of the box on each side; without padding only 51 of 89 (57.3 %): the model was trained on whole scenes,
    // and a tight crop upscaled to 224 × 224 loses the shape's outline against the background.
    private const double MinimumShapeAndColourRate = 0.80;

    private readonly GeneratedScenes _scenes;
    private readonly ITestOutputHelper _output;

    public ScenePipelineTests(GeneratedScenes scenes, ITestOutputHelper output) => (_scenes, _output) = (scenes, output);

    [Fact]
    public async Task Crop_captions_name_the_detected_objects_shape_and_colour()
    {
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(_scenes.ModelFolder);
        var vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = 32 });
        VisionPipeline pipeline = VisionPipeline.Detect(SceneModel.Labels).ForEachObject(o => o.Caption("en")).WithMaxConcurrency(4).WithCropPadding(0.25f);

        int truthObjects = 0, matched = 0, named = 0, shapeOnly = 0, colourOnly = 0;
        foreach (GeneratedScenes.Scene scene in _scenes.Scenes)
        {
            VisionPipelineResult result = await pipeline.RunAsync(vision, await File.ReadAllBytesAsync(Path.Combine(_scenes.Folder, scene.Image)));
            Assert.Equal((224, 224), (result.ImageWidth, result.ImageHeight));
            var used = new HashSet<VisionObject>();
            foreach (GeneratedScenes.SceneObject truth in scene.Objects)
            {
                truthObjects++;
                VisionObject? best = result.Objects
                    .Where(o => o.Label == truth.Shape && !used.Contains(o) && o.Box.IoU(truth.Box) >= 0.5)
                    .OrderByDescending(o => o.Box.IoU(truth.Box))
                    .FirstOrDefault();
                if (best is null)
                {
                    continue;
                }

                used.Add(best);
                matched++;
                string caption = Assert.Single(best.FollowUps).Text;
                bool hasShape = caption.Contains(truth.Shape, StringComparison.Ordinal), hasColour = caption.Contains(truth.Colour, StringComparison.Ordinal);

                // The phrase "{colour} {shape}" (as the training captions write an object), not two words anywhere.
                named += caption.Contains($"{truth.Colour} {truth.Shape}", StringComparison.Ordinal) ? 1 : 0;
                shapeOnly += hasShape && !hasColour ? 1 : 0;
                colourOnly += hasColour && !hasShape ? 1 : 0;
            }
        }

        double rate = (double)named / Math.Max(1, matched);
        string figures = $"{named} of {matched} matched objects ({rate:P1}) have a crop caption naming their shape and colour; shape only {shapeOnly}, colour only {colourOnly}; {matched} of {truthObjects} true objects detected (IoU >= 0.5) in {_scenes.Scenes.Count} scenes";
        _output.WriteLine(figures);
        Assert.True(matched >= truthObjects * 0.6, figures);
        Assert.True(rate >= MinimumShapeAndColourRate, figures);
    }
}
