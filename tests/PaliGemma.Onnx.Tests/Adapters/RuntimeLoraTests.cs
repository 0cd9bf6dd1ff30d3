using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Adapters;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fidelity;
using PaliGemma.Onnx.Tests.Fixtures;
using PaliGemma.Onnx.Tests.Reference;
using Xunit.Abstractions;
using GenAi = Microsoft.ML.OnnxRuntimeGenAI;

namespace PaliGemma.Onnx.Tests.Adapters;

/// <summary>
/// Issue 24 item 4: run-time LoRA adapters. The base checkpoint is converted once with two adapters
/// (<see cref="Conversion.ConvertOptions.RuntimeLoraAdapters"/>): the committed fixture adapter and the same adapter at half
/// its alpha. Requests then switch per request — the vision graph through ONNX Runtime's <see cref="OrtLoraAdapter"/> +
/// <see cref="RunOptions.AddActiveLoraAdapter"/>, the decoder through ONNX Runtime GenAI's <c>Adapters</c> +
/// <c>Generator.SetActiveAdapter</c> — and each must give the logits of the model merged with that adapter at conversion
/// (within 1e-4), while a request without an adapter gives the base model's.
/// </summary>
[Collection(FidelityCollection.Name)]
public sealed class RuntimeLoraTests(ConvertedFixtureModels models, ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;

    /// <summary>Decode steps fed after the prompt (teacher-forced with the adapter fixture's greedy tokens).</summary>
    private const int Steps = 4;

    private readonly TempFolder _root = new();

    public static TheoryData<string> Cases() => ["pg1", "pg2"];

    public void Dispose() => _root.Dispose();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Switching_adapters_per_request_gives_the_merged_models_logits(string name)
    {
        ReferenceFixture baseFx = ReferenceFixture.Load(name);
        ReferenceFixture loraFx = ReferenceFixture.Load(LoraMergeTests.Source, name);
        string full = LoraMergeTests.AdapterDirectory(name);
        string half = HalfAlphaCopy(full);
        var adapters = new Dictionary<string, string> { ["full"] = full, ["half"] = half };

        ConvertedModel runtime = models.GetWithRuntimeAdapters(name, ModelPrecision.Float32, adapters);
        var merged = new Dictionary<string, ConvertedModel>
        {
            ["full"] = models.GetWithLora(name, ModelPrecision.Float32, full),
            ["half"] = models.GetWithLora(name, ModelPrecision.Float32, half),
        };

        PaliGemmaAdapterFiles[] listed = [.. runtime.Manifest.Files.Adapters!];
        Assert.Equal(["full", "half"], listed.Select(a => a.Name));
        Assert.All(listed, a => Assert.True(File.Exists(Path.Combine(runtime.Folder, a.Vision!)) && File.Exists(Path.Combine(runtime.Folder, a.Decoder!))));

        float[] pixels = baseFx.PixelValues();
        int[] prompt = loraFx.Prompt(string.Empty);
        int[] forced = [.. loraFx.IntArray("greedy_tokens").Take(Steps)];
        int hidden = baseFx.Config.Text.HiddenSize;

        using var vision = new InferenceSession(runtime.Vision);
        using var model = new GenAi.Model(runtime.Folder);
        using var genAiAdapters = new GenAi.Adapters(model);
        var visionAdapters = new Dictionary<string, OrtLoraAdapter>();
        try
        {
            foreach (PaliGemmaAdapterFiles a in listed)
            {
                genAiAdapters.LoadAdapter(Path.Combine(runtime.Folder, a.Decoder!), a.Name);
                visionAdapters[a.Name] = OrtLoraAdapter.Create(Path.Combine(runtime.Folder, a.Vision!), null);
            }

            // One model, requests switching back and forth; null = no adapter.
            foreach (string? adapter in new[] { "full", null, "half", "full", null })
            {
                float[] features = RunVision(vision, pixels, baseFx.ImageSize, adapter is null ? null : visionAdapters[adapter]);
                List<float[]> logits = Decode(model, adapter is null ? null : genAiAdapters, adapter, prompt, features, hidden, forced);

                if (adapter is null)
                {
                    // The base model: the reference fixture of the checkpoint itself.
                    float visionDiff = RefMath.MaxAbsDiff(features, baseFx.Floats("image_features"));
                    float prefillDiff = RefMath.MaxAbsDiff(logits[0], baseFx.Floats("prefill_logits_last"));
                    output.WriteLine($"{name} no adapter: vision {visionDiff:E2}, prefill logits {prefillDiff:E2} from the base reference");
                    Assert.True(visionDiff <= Tolerance, $"no adapter: vision {visionDiff:E3} from the base model");
                    Assert.True(prefillDiff <= Tolerance, $"no adapter: logits {prefillDiff:E3} from the base model");
                    continue;
                }

                ConvertedModel reference = merged[adapter];
                float[] mergedFeatures = VisionGraphTests.RunVision(reference.Vision, pixels, 1, baseFx.ImageSize, out _);
                List<float[]> mergedLogits = Decode(new GenAi.Model(reference.Folder), null, null, prompt, mergedFeatures, hidden, forced, disposeModel: true);
                float featureDiff = RefMath.MaxAbsDiff(features, mergedFeatures);
                float logitDiff = logits.Zip(mergedLogits, (a, b) => RefMath.MaxAbsDiff(a, b)).Max();
                float baseDiff = RefMath.MaxAbsDiff(logits[0], baseFx.Floats("prefill_logits_last"));
                output.WriteLine($"{name} adapter '{adapter}': vision {featureDiff:E2}, logits {logitDiff:E2} from the merged model ({logits.Count} positions); {baseDiff:F3} from the base");
                Assert.True(featureDiff <= Tolerance, $"'{adapter}': vision {featureDiff:E3} from the merged model");
                Assert.True(logitDiff <= Tolerance, $"'{adapter}': logits {logitDiff:E3} from the merged model");
                Assert.True(baseDiff > 100 * Tolerance, $"'{adapter}' left the logits at the base model's ({baseDiff:E3})");
                if (adapter == "full")
                {
                    // And the merged model is the unmerged PyTorch reference (LoraMergeTests): close the loop on the fixture.
                    Assert.True(RefMath.MaxAbsDiff(logits[0], loraFx.Floats("prefill_logits_last")) <= Tolerance);
                }
            }
        }
        finally
        {
            foreach (OrtLoraAdapter a in visionAdapters.Values)
            {
                a.Dispose();
            }
        }
    }

    [Fact]
    public void Adapter_files_are_verified_and_fed_by_onnx_runtime_by_name()
    {
        // A two-input graph of our own builder would do, but the converter's vision graph is the real consumer: a file whose
        // parameter names no input declares makes ONNX Runtime's run fail, naming the input.
        ReferenceFixture fx = ReferenceFixture.Load("pg1");
        ConvertedModel runtime = models.GetWithRuntimeAdapters("pg1", ModelPrecision.Float32, new Dictionary<string, string> { ["full"] = LoraMergeTests.AdapterDirectory("pg1") });
        string bogus = Path.Combine(_root.Path, "bogus" + OnnxAdapterFile.Extension);
        OnnxAdapterFile.Write(bogus, [new OnnxAdapterParameter("lora.no_such_layer.A", [2, 3], [1, 2, 3, 4, 5, 6])]);

        using var vision = new InferenceSession(runtime.Vision);
        using var adapter = OrtLoraAdapter.Create(bogus, null);
        OnnxRuntimeException ex = Assert.Throws<OnnxRuntimeException>(() => RunVision(vision, fx.PixelValues(), fx.ImageSize, adapter));
        Assert.Contains("lora.no_such_layer.A", ex.Message, StringComparison.Ordinal);

        string truncated = Path.Combine(_root.Path, "truncated" + OnnxAdapterFile.Extension);
        File.WriteAllBytes(truncated, File.ReadAllBytes(bogus)[..40]);
        Assert.ThrowsAny<OnnxRuntimeException>(() => OrtLoraAdapter.Create(truncated, null).Dispose());
    }

    private static float[] RunVision(InferenceSession session, float[] pixels, int size, OrtLoraAdapter? adapter)
    {
        using var options = new RunOptions();
        if (adapter is not null)
        {
            options.AddActiveLoraAdapter(adapter);
        }

        var input = new DenseTensor<float>(pixels, [1, 3, size, size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(VisionGraphNames.PixelValues, input)], [VisionGraphNames.ImageFeatures], options);
        return results.Single().AsTensor<float>().ToArray();
    }

    /// <summary>Logits after the prompt and after each forced token, with <paramref name="adapter"/> active (or none).</summary>
    private static List<float[]> Decode(GenAi.Model model, GenAi.Adapters? adapters, string? adapter, int[] prompt, float[] features, int hidden, int[] forced, bool disposeModel = false)
    {
        try
        {
            using var parameters = new GenAi.GeneratorParams(model);
            parameters.SetSearchOption("max_length", prompt.Length + forced.Length + 4);
            using var generator = new GenAi.Generator(model, parameters);
            if (adapter is not null)
            {
                generator.SetActiveAdapter(adapters!, adapter);
            }

            var handle = GCHandle.Alloc(features, GCHandleType.Pinned);
            try
            {
                using var tensor = new GenAi.Tensor(handle.AddrOfPinnedObject(), [features.Length / hidden, hidden], GenAi.ElementType.float32);
                generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
                generator.AppendTokens(prompt);
                var logits = new List<float[]> { Last(generator) };
                foreach (int token in forced)
                {
                    generator.AppendTokens([token]);
                    logits.Add(Last(generator));
                }

                return logits;
            }
            finally
            {
                handle.Free();
            }
        }
        finally
        {
            if (disposeModel)
            {
                model.Dispose();
            }
        }
    }

    private static float[] Last(GenAi.Generator generator)
    {
        using GenAi.Tensor logits = generator.GetOutput(DecoderGraphNames.Logits);
        int vocab = (int)logits.Shape()[^1];
        return logits.GetData<float>()[^vocab..].ToArray();
    }

    /// <summary>A copy of an adapter folder with lora_alpha (and every alpha_pattern entry) halved: a second, different adapter.</summary>
    private string HalfAlphaCopy(string source)
    {
        string dir = Path.Combine(_root.Path, "half-" + Path.GetFileName(Path.GetDirectoryName(source)));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(source, LoraAdapter.WeightsFileName), Path.Combine(dir, LoraAdapter.WeightsFileName));
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, LoraAdapter.ConfigFileName)))!.AsObject();
        config["lora_alpha"] = config["lora_alpha"]!.GetValue<double>() / 2;
        if (config["alpha_pattern"] is JsonObject patterns)
        {
            foreach (string key in patterns.Select(p => p.Key).ToArray())
            {
                patterns[key] = patterns[key]!.GetValue<double>() / 2;
            }
        }

        File.WriteAllText(Path.Combine(dir, LoraAdapter.ConfigFileName), config.ToJsonString());
        return dir;
    }
}
