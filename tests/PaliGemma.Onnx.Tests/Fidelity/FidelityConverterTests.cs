using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fixtures;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests.Fidelity;

/// <summary>
/// Issue 5, part 3: each fixture checkpoint converted by the real <see cref="Conversion.PaliGemmaConverter"/>,
/// then fixture pixels → vision.onnx → decoder.onnx under ORT GenAI 0.18, against the fixture's expectations:
/// the PyTorch oracle (tests/Fixtures/reference) and, once generated, transformers (tests/Fixtures/hf).
/// </summary>
[Collection(FidelityCollection.Name)]
public sealed class FidelityConverterTests(ConvertedFixtureModels models, ITestOutputHelper output)
{
    /// <summary>fp16 must pick the fixture's token in at least this share of teacher-forced predictions.</summary>
    private const double Float16Agreement = 0.99;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach ((string source, string name) in ReferenceFixture.AllCases())
        {
            data.Add(source, name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32_conversion_matches_the_fixture(string source, string name)
    {
        ReferenceFixture fx = ReferenceFixture.Load(source, name);
        ConvertedModel model = models.Get(name, ModelPrecision.Float32);
        AssertManifest(fx, model, "fp32");
        double tolerance = FidelityMeasurement.Float32Tolerance(name);

        FidelityMeasurement m = FidelityMeasurement.Measure(fx, model);
        output.WriteLine($"{fx} fp32 (converted in {model.ConvertTime.TotalMilliseconds:F0} ms, tolerance {tolerance:E0}): {m.Describe()}");

        Assert.True(m.Vision <= tolerance, $"{fx} vision max |diff| {m.Vision:E3} > {tolerance:E0}");
        Assert.True(m.MaxLogits <= tolerance, $"{fx} logits max |diff| {m.MaxLogits:E3} > {tolerance:E0}: {m.Describe()}");
        Assert.Equal(m.Image.Expected, m.Image.Generated);
        Assert.Equal(m.TextOnly.Expected, m.TextOnly.Generated);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float16_conversion_agrees_with_the_fixture(string source, string name)
    {
        ReferenceFixture fx = ReferenceFixture.Load(source, name);
        ConvertedModel model = models.Get(name, ModelPrecision.Float16);
        AssertManifest(fx, model, "fp16");

        FidelityMeasurement m = FidelityMeasurement.Measure(fx, model);
        output.WriteLine($"{fx} fp16 (converted in {model.ConvertTime.TotalMilliseconds:F0} ms): top-1 agreement {m.Agreement:P1}; {m.Describe()}");

        Assert.True(m.Agreement >= Float16Agreement, $"{fx} fp16 top-1 agreement {m.Agreement:P1} < {Float16Agreement:P0}: {m.Describe()}");
        Assert.True(m.Vision < 5e-3, $"{fx} fp16 vision max |diff| {m.Vision:E3}");
        Assert.True(m.MaxLogits < Float16ExportTests.Tolerance, $"{fx} fp16 logits max |diff| {m.MaxLogits:E3} >= {Float16ExportTests.Tolerance:E0}");
    }

    private static void AssertManifest(ReferenceFixture fx, ConvertedModel model, string precision)
    {
        Assert.Equal(precision, model.Manifest.Precision);
        Assert.Equal(fx.ImageSize, model.Manifest.ImageSize);
        Assert.Equal(fx.ImageSize, fx.Config.Vision.ImageSize);
        Assert.Equal(fx.Config.Vision.NumPatches, model.Manifest.NumImageTokens);
        Assert.Equal(fx.Config.Text.HiddenSize, model.Manifest.TextHiddenSize);
        Assert.Equal(fx.Config.Text.VocabSize, model.Manifest.VocabSize);
        Assert.Equal(fx.Config.ImageTokenIndex, model.Manifest.TokenIds.Image);
        Assert.All(fx.Prompt(string.Empty).Take(fx.Config.Vision.NumPatches), id => Assert.Equal(model.Manifest.TokenIds.Image, id));
        Assert.Equal(model.Manifest.TokenIds.Bos, fx.Prompt(string.Empty)[fx.Config.Vision.NumPatches]);
        Assert.Equal(model.Manifest.TokenIds.Newline, fx.Prompt(string.Empty)[^1]);
        Assert.True(File.Exists(Path.Combine(model.Folder, "genai_config.json")));
        Assert.True(File.Exists(Path.Combine(model.Folder, "tokenizer.json")));

        // The folder is complete for ORT GenAI: its tokenizer loads and maps the special tokens to the fixture's ids.
        using var genAi = new Microsoft.ML.OnnxRuntimeGenAI.Model(model.Folder);
        using var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(genAi);
        Assert.Equal("<loc0001><seg002>", tokenizer.Decode([model.Manifest.TokenIds.LocStart + 1, model.Manifest.TokenIds.SegStart + 2]));
    }
}
