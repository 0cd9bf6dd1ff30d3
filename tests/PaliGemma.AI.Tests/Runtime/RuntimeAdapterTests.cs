using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.AI.Tests.TestSupport;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Tiny;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// Issue 24 item 4 end to end: a tiny PaliGemma checkpoint and a PEFT LoRA adapter (vision tower, projector and decoder
/// layers) converted by the CLI three ways — base with the adapter as a run-time adapter (<c>--lora-adapter ft=DIR</c>),
/// merged (<c>--lora DIR</c>) and plain — then requests against the one run-time folder switching the adapter on and off.
/// </summary>
public sealed class RuntimeAdapterTests(RuntimeAdapterTests.Folders folders, ITestOutputHelper output) : IClassFixture<RuntimeAdapterTests.Folders>
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Switching_per_request_gives_the_merged_models_and_the_base_models_outputs()
    {
        using var runtime = PaliGemmaModel.Load(folders.Runtime);
        using var merged = PaliGemmaModel.Load(folders.Merged);
        using var plain = PaliGemmaModel.Load(folders.Plain);
        Assert.Equal(["ft"], runtime.AdapterNames);
        Assert.Empty(plain.AdapterNames);

        float[] pixels = TinyModelFixture.Pixels(runtime.ImageSize, seed: 3);
        int[] prompt = runtime.BuildPromptIds("caption en");
        float[] mergedFeatures = merged.EncodeImage(pixels);
        float[] plainFeatures = plain.EncodeImage(pixels);
        float[] mergedLogits = merged.GetFirstStepLogits(mergedFeatures, prompt);
        float[] plainLogits = plain.GetFirstStepLogits(plainFeatures, prompt);

        foreach (string? adapter in new[] { "ft", null, "ft", null })
        {
            float[] features = runtime.EncodeImage(pixels, adapter);
            float[] logits = runtime.GetFirstStepLogits(features, prompt, adapter);
            (float[] expectedFeatures, float[] expectedLogits) = adapter is null ? (plainFeatures, plainLogits) : (mergedFeatures, mergedLogits);
            float featureDiff = MaxAbsDiff(features, expectedFeatures), logitDiff = MaxAbsDiff(logits, expectedLogits);
            output.WriteLine($"adapter {adapter ?? "(none)"}: vision {featureDiff:E2}, logits {logitDiff:E2} from the {(adapter is null ? "plain" : "merged")} model");
            Assert.True(featureDiff <= Tolerance, $"adapter {adapter ?? "(none)"}: vision {featureDiff:E3}");
            Assert.True(logitDiff <= Tolerance, $"adapter {adapter ?? "(none)"}: logits {logitDiff:E3}");
        }

        // The adapter matters: the merged and the plain model differ well beyond the tolerance.
        Assert.True(MaxAbsDiff(mergedFeatures, plainFeatures) > 100 * Tolerance);
        Assert.True(MaxAbsDiff(mergedLogits, plainLogits) > 100 * Tolerance);
    }

    [Fact]
    public async Task Chat_requests_choose_the_adapter_with_chat_options()
    {
        using var runtime = PaliGemmaModel.Load(folders.Runtime);
        using var merged = PaliGemmaModel.Load(folders.Merged);
        using var plain = PaliGemmaModel.Load(folders.Plain);
        using var runtimeClient = new PaliGemmaChatClient(runtime);
        using var mergedClient = new PaliGemmaChatClient(merged);
        using var plainClient = new PaliGemmaChatClient(plain);
        byte[] png = await File.ReadAllBytesAsync(CliProcess.FixtureImage("photo.jpg"));

        static List<ChatMessage> Messages(byte[] image) => [new(ChatRole.User, [new DataContent(image, "image/jpeg"), new TextContent("caption en")])];
        ChatOptions Options(string? adapter) => adapter is null ? new ChatOptions { MaxOutputTokens = 12 } : new ChatOptions { MaxOutputTokens = 12 }.WithPaliGemmaAdapter(adapter);

        string withAdapter = (await runtimeClient.GetResponseAsync(Messages(png), Options("ft"))).Text;
        string without = (await runtimeClient.GetResponseAsync(Messages(png), Options(null))).Text;
        string again = (await runtimeClient.GetResponseAsync(Messages(png), Options("ft"))).Text;
        string expectedMerged = (await mergedClient.GetResponseAsync(Messages(png), Options(null))).Text;
        string expectedPlain = (await plainClient.GetResponseAsync(Messages(png), Options(null))).Text;
        output.WriteLine($"ft: '{withAdapter}', none: '{without}', merged: '{expectedMerged}', plain: '{expectedPlain}'");

        Assert.Equal(expectedMerged, withAdapter);
        Assert.Equal(expectedMerged, again);
        Assert.Equal(expectedPlain, without);

        ArgumentException unknown = await Assert.ThrowsAnyAsync<ArgumentException>(() => runtimeClient.GetResponseAsync(Messages(png), Options("nope")));
        Assert.Contains("'nope'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("'ft'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapter_names_stored_in_chat_options_are_read_back_and_checked()
    {
        var options = new ChatOptions().WithPaliGemmaAdapter("ft");
        Assert.Equal("ft", options.GetPaliGemmaAdapter());
        Assert.Null(new ChatOptions().GetPaliGemmaAdapter());
        options.AdditionalProperties![PaliGemmaChatOptionsExtensions.AdapterPropertyName] = 42;
        Assert.Throws<ArgumentException>(() => options.GetPaliGemmaAdapter());
        Assert.Throws<ArgumentException>(() => new ChatOptions().WithPaliGemmaAdapter(" "));
    }

    [Fact]
    public void A_manifest_naming_a_missing_adapter_file_fails_at_load()
    {
        string copy = Path.Combine(Path.GetTempPath(), "pg-adapter-broken-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        try
        {
            foreach (string file in Directory.EnumerateFiles(folders.Runtime))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            File.Delete(Path.Combine(copy, "adapter.ft.decoder.onnx_adapter"));
            PaliGemmaModelException ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(copy));
            Assert.Contains("'ft'", ex.Message, StringComparison.Ordinal);

            JsonNode manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, PaliGemmaManifest.FileName)))!;
            manifest["files"]!["adapters"]![0]!["decoder"] = "../escape.onnx_adapter";
            File.WriteAllText(Path.Combine(copy, PaliGemmaManifest.FileName), manifest.ToJsonString());
            ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(copy));
            Assert.Contains("plain file name", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            TinyModelFixture.DeleteFolder(copy);
        }
    }

    private static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        }

        return worst;
    }

    /// <summary>The three converted folders (made once per class with the CLI), deleted afterwards.</summary>
    public sealed class Folders : IAsyncLifetime
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pg-runtime-adapters-" + Guid.NewGuid().ToString("N"));

        public string Runtime => Path.Combine(_root, "runtime");

        public string Merged => Path.Combine(_root, "merged");

        public string Plain => Path.Combine(_root, "plain");

        public async Task InitializeAsync()
        {
            TinyCheckpoint checkpoint = TinyModelGenerator.Generate(Path.Combine(_root, "checkpoint"), TinyModelFixture.OptionsOf(TinyModelKind.PaliGemma1At224));
            string adapter = WriteAdapter(Path.Combine(_root, "adapter"), checkpoint);
            string[] common = ["convert", "-i", checkpoint.Folder, "--precision", "fp32"];
            foreach (string[] args in new string[][]
            {
                [.. common, "-o", Runtime, "--lora-adapter", "ft=" + adapter],
                [.. common, "-o", Merged, "--lora", adapter],
                [.. common, "-o", Plain],
            })
            {
                var (exit, stdout, stderr) = await CliProcess.RunAsync(args);
                Assert.True(exit == 0, $"paligemma {string.Join(' ', args)} exited {exit}: {stdout} {stderr}");
            }
        }

        public Task DisposeAsync()
        {
            TinyModelFixture.DeleteFolder(_root);
            return Task.CompletedTask;
        }

        /// <summary>A PEFT adapter (legacy keys, rank 4, alpha 8) on q_proj and fc2 of the vision tower, the projector and the decoder's down_proj.</summary>
        private static string WriteAdapter(string folder, TinyCheckpoint checkpoint)
        {
            Directory.CreateDirectory(folder);
            const int rank = 4;
            var random = new Random(24);
            var tensors = new List<SafetensorsTensor>();
            foreach (TensorInfo w in PaliGemmaTensorNames.AllTensors(checkpoint.Config))
            {
                string module = w.Name[..^".weight".Length];
                if (!(module.EndsWith("q_proj", StringComparison.Ordinal) || module.EndsWith("fc2", StringComparison.Ordinal)
                    || module.EndsWith("linear", StringComparison.Ordinal) || module.EndsWith("down_proj", StringComparison.Ordinal)) || w.Shape.Count != 2)
                {
                    continue;
                }

                long outDim = w.Shape[0], inDim = w.Shape[1];
                float[] a = [.. Enumerable.Range(0, (int)(rank * inDim)).Select(_ => (float)((random.NextDouble() - 0.5) * 2 / Math.Sqrt(inDim)))];
                float[] b = [.. Enumerable.Range(0, (int)(outDim * rank)).Select(_ => (float)((random.NextDouble() - 0.5) * 0.5))];
                tensors.Add(new SafetensorsTensor($"base_model.model.{module}.lora_A.weight", TensorDataType.Float32, [rank, inDim], (o, c) => a.AsSpan((int)o, c.Length).CopyTo(c)));
                tensors.Add(new SafetensorsTensor($"base_model.model.{module}.lora_B.weight", TensorDataType.Float32, [outDim, rank], (o, c) => b.AsSpan((int)o, c.Length).CopyTo(c)));
            }

            SafetensorsWriter.Write(Path.Combine(folder, "adapter_model.safetensors"), tensors);
            File.WriteAllText(Path.Combine(folder, "adapter_config.json"), """
                {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "fc2", "linear", "down_proj"],
                 "bias": "none", "use_rslora": false, "fan_in_fan_out": false, "modules_to_save": null, "use_dora": false}
                """);
            return folder;
        }
    }
}
