using PaliGemma.Onnx.Adapters;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fidelity;
using PaliGemma.Onnx.Tests.Fixtures;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;

namespace PaliGemma.Onnx.Tests.Adapters;

/// <summary>
/// Issue 24 item 3: a PEFT LoRA adapter merged at conversion (<see cref="Conversion.ConvertOptions.LoraAdapterDirectory"/>)
/// against the PyTorch reference with the adapter applied unmerged (x·Wᵀ + scale·(x·Aᵀ)·Bᵀ), written by
/// tools/reference/make_lora_fixtures.py to tests/Fixtures/lora/&lt;case&gt;/ (the adapter in PEFT's files + expected
/// arrays in the reference fixture format, with the reference case's checkpoint, pixels and prompts).
/// </summary>
[Collection(FidelityCollection.Name)]
public sealed class LoraMergeTests(ConvertedFixtureModels models, ITestOutputHelper output)
{
    /// <summary>The tolerance for the fp32 merge.</summary>
    private const double Float32Tolerance = 1e-4;

    public const string Source = "lora";

    public static TheoryData<string> Cases() => ["pg1", "pg2"];

    public static TheoryData<string, ModelPrecision> LowerPrecisionCases() => new()
    {
        { "pg1", ModelPrecision.Float16 },
        { "pg1", ModelPrecision.Int4 },
        { "pg2", ModelPrecision.Float16 },
        { "pg2", ModelPrecision.Int4 },
    };

    internal static string AdapterDirectory(string name) => Path.Combine(ReferenceFixture.FixturesRoot, Source, name, "adapter");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32_merge_matches_the_unmerged_reference(string name)
    {
        ReferenceFixture fx = ReferenceFixture.Load(Source, name);
        ConvertedModel model = models.GetWithLora(name, ModelPrecision.Float32, AdapterDirectory(name));
        Assert.Equal("fp32", model.Manifest.Precision);

        FidelityMeasurement m = FidelityMeasurement.Measure(fx, model);
        output.WriteLine($"{fx} merged fp32: {m.Describe()}");

        Assert.True(m.Vision <= Float32Tolerance, $"{fx} vision max |diff| {m.Vision:E3} > {Float32Tolerance:E0}");
        Assert.True(m.MaxLogits <= Float32Tolerance, $"{fx} logits max |diff| {m.MaxLogits:E3} > {Float32Tolerance:E0}: {m.Describe()}");
        Assert.Equal(m.Image.Expected, m.Image.Generated);
        Assert.Equal(m.TextOnly.Expected, m.TextOnly.Generated);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_adapter_targets_both_towers_the_projector_and_moves_the_outputs(string name)
    {
        // Guards the fixture itself: without targets in both towers, or with an adapter too weak to move the outputs,
        // the merge test above could not tell a merged model from the base one.
        ReferenceFixture lora = ReferenceFixture.Load(Source, name);
        ReferenceFixture baseline = ReferenceFixture.Load(name);
        string[] targets = [.. lora.Case.GetProperty("targets").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Contains(targets, t => t.StartsWith(PaliGemmaTensorNames.Vision, StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith(PaliGemmaTensorNames.Text, StringComparison.Ordinal));
        Assert.Contains("multi_modal_projector.linear", targets);
        Assert.True(RefMath.MaxAbsDiff(lora.Floats("image_features"), baseline.Floats("image_features")) > 100 * Float32Tolerance);
        Assert.True(RefMath.MaxAbsDiff(lora.Floats("prefill_logits_last"), baseline.Floats("prefill_logits_last")) > 100 * Float32Tolerance);

        using var adapter = LoraAdapter.Load(AdapterDirectory(name), lora.Config);
        Assert.Equal(targets.Select(t => t + ".weight").Order(StringComparer.Ordinal), adapter.Targets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(name == "pg2", adapter.NewKeyLayout);
    }

    [Theory]
    [MemberData(nameof(LowerPrecisionCases))]
    public void Lower_precisions_are_merged_before_conversion(string name, ModelPrecision precision)
    {
        // float16 and the streaming 4-bit path read the same merged weights: the converted model sits near the
        // adapter's expectations and far from the base model's (4-bit blocks on these tiny random models cost about a third
        // of the adapter's own effect: pg1 vision 1.9 vs 5.4, logits 3.4 vs 8.2, measured; hence the factor 2).
        ReferenceFixture lora = ReferenceFixture.Load(Source, name);
        ReferenceFixture baseline = ReferenceFixture.Load(name);
        ConvertedModel model = models.GetWithLora(name, precision, AdapterDirectory(name));

        FidelityMeasurement toLora = FidelityMeasurement.Measure(lora, model);
        FidelityMeasurement toBase = FidelityMeasurement.Measure(baseline, model);
        output.WriteLine($"{lora} merged {precision}: vs adapter expectations {toLora.Describe()}; vs base {toBase.Describe()}");

        Assert.True(toLora.Vision * 2 < toBase.Vision, $"vision: {toLora.Vision:E3} from the adapter's expectations, {toBase.Vision:E3} from the base's");
        Assert.True(toLora.Image.Logits * 2 < toBase.Image.Logits, $"logits: {toLora.Image.Logits:E3} from the adapter's expectations, {toBase.Image.Logits:E3} from the base's");
        Assert.True(toLora.Agreement > toBase.Agreement, $"top-1 agreement {toLora.Agreement:P1} with the adapter's tokens, {toBase.Agreement:P1} with the base's");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Merged_reads_equal_w_plus_scaled_b_a_whole_and_in_slices(string name)
    {
        ReferenceFixture fx = ReferenceFixture.Load(Source, name);
        using SafetensorsReader checkpoint = fx.OpenWeights();
        using var adapter = LoraAdapter.Load(AdapterDirectory(name), fx.Config);
        using SafetensorsReader adapterFile = SafetensorsReader.Open(Path.Combine(AdapterDirectory(name), LoraAdapter.WeightsFileName));
        using var merged = new LoraMergedCheckpoint(checkpoint, adapter);
        var scales = fx.Case.GetProperty("scales");

        foreach (LoraTarget target in adapter.Targets.Values)
        {
            // Expected from the stored tensors and the fixture's scale, in double.
            float[] w = Read(checkpoint, target.Weight), a = Read(adapterFile, target.A), b = Read(adapterFile, target.B);
            double scale = scales.GetProperty(target.Weight[..^".weight".Length]).GetDouble();
            int outDim = (int)target.OutDim, inDim = (int)target.InDim, rank = a.Length / inDim;
            var expected = new float[w.Length];
            for (int o = 0; o < outDim; o++)
            {
                for (int i = 0; i < inDim; i++)
                {
                    double sum = 0;
                    for (int k = 0; k < rank; k++)
                    {
                        sum += (double)b[(o * rank) + k] * a[(k * inDim) + i];
                    }

                    expected[(o * inDim) + i] = (float)(w[(o * inDim) + i] + (scale * sum));
                }
            }

            float[] whole = new float[w.Length];
            merged.ReadFloat32(target.Weight, whole);
            Assert.True(RefMath.MaxAbsDiff(whole, expected) < 1e-5, $"{target.Weight}: whole read {RefMath.MaxAbsDiff(whole, expected):E3} from W + scale·B·A");
            Assert.True(RefMath.MaxAbsDiff(whole, w) > 1e-3, $"{target.Weight}: the merge left the weight unchanged");

            // Slices that start and end inside rows (7 elements) give the same values as the whole read.
            float[] sliced = new float[w.Length];
            for (int start = 0; start < sliced.Length; start += 7)
            {
                merged.ReadFloat32(target.Weight, start, sliced.AsSpan(start, Math.Min(7, sliced.Length - start)));
            }

            Assert.Equal(whole, sliced);
        }

        // Tensors the adapter does not target read as stored.
        string untouched = PaliGemmaTensorNames.TextLayer(0) + "input_layernorm.weight";
        Assert.Equal(Read(checkpoint, untouched), Read(merged, untouched));
    }

    private static float[] Read(ICheckpointReader reader, string name)
    {
        float[] data = new float[reader.GetInfo(name).ElementCount];
        reader.ReadFloat32(name, data);
        return data;
    }
}
