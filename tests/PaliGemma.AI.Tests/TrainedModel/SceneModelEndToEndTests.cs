using System.Text.Json;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.Cli.Evaluation;
using PaliGemma.Onnx.Bundled;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests.TrainedModel;

/// <summary>
/// Issue 9's end-to-end check on the committed, trained <c>paligemma2-tiny-scenes</c> checkpoint: our converter turns it
/// into a model folder (<see cref="SceneModel.EnsureModelFolder"/>), and the public <see cref="IPaliGemmaVision"/> API
/// answers every task on the AgentDemo's held-out scene (samples/AgentDemo/assets/shapes.png) with exactly the text the
/// PyTorch training code's own greedy decoder gives on the same weights (tests/Fixtures/scene-model/expected.json,
/// written by tools/reference/make_scene_model_expected.py). Preprocessing, prompt layout, tokenizer, graphs,
/// generation and detokenizer must all agree with how the model was trained for this to hold.
/// </summary>
public sealed class SceneModelEndToEndTests : IClassFixture<SceneModelEndToEndTests.Model>
{
    private readonly Model _model;

    public SceneModelEndToEndTests(Model model) => _model = model;

    public static TheoryData<string> Prompts() => [.. Model.Expected.Keys];

    [Theory]
    [MemberData(nameof(Prompts))]
    public async Task The_runtime_answers_as_the_training_reference_does(string prompt)
    {
        string actual = await _model.AskAsync(prompt);

        Assert.Equal(Model.Expected[prompt], actual);
    }

    [Fact]
    public async Task Typed_results_come_back_in_pixels_of_the_scene()
    {
        DetectionResult found = await _model.Vision.DetectAsync(_model.Scene, SceneModel.Labels);
        SegmentationResult segments = await _model.Vision.SegmentAsync(_model.Scene, ["circle"]);

        Assert.Equal((224, 224), (found.ImageWidth, found.ImageHeight));
        Assert.Equal(Model.Expected["detect circle ; square ; triangle ; star ; hexagon"], found.RawText);
        Assert.All(found.Objects, o => Assert.Contains(o.Label, SceneModel.Labels));
        Assert.All(found.Objects, o => Assert.InRange(o.Box.Right, 0, 224));
        Assert.Equal(Model.Expected["segment circle"], segments.RawText);
    }

    [Fact]
    public async Task Detect_finds_each_shape_of_the_scene_with_IoU_at_least_one_half()
    {
        using JsonDocument truth = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("samples", "AgentDemo", "assets", "shapes.json")));
        DetectionResult found = await _model.Vision.DetectAsync(_model.Scene, SceneModel.Labels);

        var objects = truth.RootElement.GetProperty("objects").EnumerateArray().ToList();
        Assert.NotEmpty(objects);
        foreach (JsonElement o in objects)
        {
            string shape = o.GetProperty("shape").GetString()!;
            int[] b = [.. o.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetInt32())];
            var box = new BoundingBox(b[0], b[1], b[2], b[3]);
            double best = found.Objects.Where(d => d.Label == shape).Select(d => BoxIoU.Compute(d.Box, box)).DefaultIfEmpty(0).Max();
            Assert.True(best >= 0.5, $"the {shape} at {box} was found with IoU {best:F2} at best; the model answered '{found.RawText}'");
        }
    }

    /// <summary>The bundled checkpoint converted once for the class.</summary>
    public sealed class Model : IDisposable
    {
        private readonly string _cache = Directory.CreateTempSubdirectory("pg-scene-e2e-").FullName;
        private readonly PaliGemmaChatClient _client;

        public Model()
        {
            // float32: this is a fidelity check against the PyTorch reference, not of the CPU default's 4-bit weights.
            string folder = SceneModel.EnsureModelFolder(_cache, RepositoryPaths.Combine("models", SceneModel.Name), precision: PaliGemma.Onnx.Graphs.ModelPrecision.Float32);
            _client = PaliGemmaChatClient.Load(folder);
            Vision = new PaliGemmaVision(_client, new PaliGemmaVisionOptions { MaxOutputTokens = MaxTokens });
            Scene = new DataContent(File.ReadAllBytes(RepositoryPaths.Combine("samples", "AgentDemo", "assets", "shapes.png")), "image/png");
        }

        public static IReadOnlyDictionary<string, string> Expected => Fixture.Answers;

        public static int MaxTokens => Fixture.MaxTokens;

        private static (int MaxTokens, Dictionary<string, string> Answers) Fixture { get; } = ReadFixture();

        public IPaliGemmaVision Vision { get; }

        public DataContent Scene { get; }

        /// <summary>Sends <paramref name="prompt"/> through the typed API that builds it; returns the raw answer text.</summary>
        public async Task<string> AskAsync(string prompt)
        {
            string[] words = prompt.Split(' ', 2);
            return words switch
            {
                ["caption", var language] => (await Vision.CaptionAsync(Scene, language)).RawText,
                ["detect", var labels] => (await Vision.DetectAsync(Scene, labels.Split(" ; "))).RawText,
                ["segment", var labels] => (await Vision.SegmentAsync(Scene, labels.Split(" ; "))).RawText,
                ["ocr"] => (await Vision.OcrAsync(Scene)).RawText,
                ["answer", var rest] when rest.StartsWith("en ", StringComparison.Ordinal) => (await Vision.AnswerAsync(Scene, rest[3..], "en")).RawText,
                _ => throw new ArgumentException($"No typed call builds '{prompt}'.", nameof(prompt)),
            };
        }

        public void Dispose()
        {
            _client.Dispose();
            Directory.Delete(_cache, recursive: true);
        }

        private static (int MaxTokens, Dictionary<string, string> Answers) ReadFixture()
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("tests", "Fixtures", "scene-model", "expected.json")));
            return (doc.RootElement.GetProperty("max_tokens").GetInt32(),
                doc.RootElement.GetProperty("answers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        }
    }
}
