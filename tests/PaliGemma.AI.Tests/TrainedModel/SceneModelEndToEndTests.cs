using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI;
using PaliGemma.Onnx.Bundled;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests.TrainedModel;

/// <summary>
/// Issue 9's end-to-end check on the committed, trained <c>paligemma2-tiny-scenes</c> checkpoint: our converter turns it
/// into a model folder, and the public <see cref="IPaliGemmaVision"/> API (registered by AddPaliGemma) finds every shape
/// of the AgentDemo's held-out scene (samples/AgentDemo/assets/shapes.png, ground truth in shapes.json, both written by
/// make_shapes.py from the scene generator) with IoU ≥ 0.5.
/// </summary>
public sealed class SceneModelEndToEndTests : IClassFixture<SceneModelEndToEndTests.Model>
{
    private readonly Model _model;

    public SceneModelEndToEndTests(Model model) => _model = model;

    [Fact]
    public async Task Detect_finds_every_shape_of_the_held_out_scene_with_iou_of_at_least_one_half()
    {
        DetectionResult found = await _model.Vision.DetectFileAsync(Model.ScenePath, SceneModel.Labels);

        Assert.Equal(224, found.ImageWidth);
        foreach (GroundTruth truth in _model.Objects)
        {
            double best = found.Objects.Where(o => o.Label == truth.Shape).Select(o => Iou(o.Box, truth.Box)).DefaultIfEmpty(0).Max();
            Assert.True(best >= 0.5, $"{truth.Shape} at {truth.Box}: best IoU {best:0.000}; model said \"{found.RawText}\"");
        }

        Assert.Equal(_model.Objects.Count, found.Objects.Count);
    }

    internal static double Iou(BoundingBox a, BoundingBox b)
    {
        float w = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left);
        float h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
        double inter = w > 0 && h > 0 ? (double)w * h : 0;
        double union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>A ground-truth object of shapes.json.</summary>
    public sealed record GroundTruth(string Shape, BoundingBox Box);

    /// <summary>The bundled checkpoint converted once for the class, behind AddPaliGemma.</summary>
    public sealed class Model : IDisposable
    {
        private readonly string _cache = Directory.CreateTempSubdirectory("pg-scene-e2e-").FullName;
        private readonly ServiceProvider _provider;

        public Model()
        {
            string folder = SceneModel.EnsureModelFolder(_cache, RepositoryPaths.Combine("models", SceneModel.Name));
            var services = new ServiceCollection();
            services.AddPaliGemma(o => o.ModelPath = folder);
            _provider = services.BuildServiceProvider();
            Vision = _provider.GetRequiredService<IPaliGemmaVision>();
            using JsonDocument truth = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(ScenePath, ".json")));
            Objects = [.. truth.RootElement.GetProperty("objects").EnumerateArray().Select(o =>
            {
                float[] b = [.. o.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetSingle())];
                return new GroundTruth(o.GetProperty("shape").GetString()!, new BoundingBox(b[0], b[1], b[2], b[3]));
            })];
        }

        public static string ScenePath => RepositoryPaths.Combine("samples", "AgentDemo", "assets", "shapes.png");

        public IPaliGemmaVision Vision { get; }

        public IReadOnlyList<GroundTruth> Objects { get; }

        public void Dispose()
        {
            _provider.Dispose();
            Directory.Delete(_cache, recursive: true);
        }
    }
}
