using System.Text.Json.Nodes;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;
using PaliGemma.Onnx.TransformersJs;

namespace PaliGemma.Onnx.Tests.TransformersJs;

/// <summary>One tiny PaliGemma 2 checkpoint converted to this library's folder and to the transformers.js layout, fp32 and fp16.</summary>
public sealed class TransformersJsModels : IDisposable
{
    private readonly TempFolder _root = new();

    public TransformersJsModels()
    {
        // Larger weights and a smaller embedding than the defaults, so that the greedy tokens depend on the image and
        // prompt (with the defaults the tied random embeddings make every step echo the token just fed: "same tokens"
        // would be trivial).
        Options = new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 28, Seed = 11, WeightStd = 0.3f, EmbeddingStd = 0.05f };
        Checkpoint = TinyModelGenerator.Generate(Folder("hf"), Options);
        Manifest = PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Checkpoint.Folder, OutputDirectory = Folder("ours-fp32"), Precision = ModelPrecision.Float32 });
        PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Checkpoint.Folder, OutputDirectory = Folder("ours-fp16"), Precision = ModelPrecision.Float16 });
        foreach ((string name, ModelPrecision precision) in new[] { ("fp32", ModelPrecision.Float32), ("fp16", ModelPrecision.Float16) })
        {
            PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Checkpoint.Folder, OutputDirectory = Folder("tjs-" + name), Precision = precision, Layout = ModelLayout.TransformersJs });
        }
    }

    public TinyModelOptions Options { get; }

    public TinyCheckpoint Checkpoint { get; }

    public PaliGemmaManifest Manifest { get; }

    public string Folder(string name) => _root.File(name);

    public void Dispose() => _root.Dispose();
}

public sealed class TransformersJsExportTests(TransformersJsModels models) : IClassFixture<TransformersJsModels>
{
    private const int Steps = 8;

    private float[] Pixels()
    {
        int size = models.Manifest.ImageSize;
        float[] pixels = new float[3 * size * size];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = MathF.Sin(i * 0.11f);
        }

        return pixels;
    }

    [Theory]
    [InlineData(ModelPrecision.Float32, "")]
    [InlineData(ModelPrecision.Float16, "_fp16")]
    public void Folder_has_the_files_transformers_js_loads(ModelPrecision precision, string suffix)
    {
        string folder = models.Folder(precision == ModelPrecision.Float32 ? "tjs-fp32" : "tjs-fp16");
        foreach (string session in new[] { "vision_encoder", "embed_tokens", "decoder_model_merged" })
        {
            Assert.True(File.Exists(Path.Combine(folder, "onnx", $"{session}{suffix}.onnx")), session);
            Assert.True(File.Exists(Path.Combine(folder, "onnx", $"{session}{suffix}.onnx_data")), session + " data");
        }

        foreach (string file in new[] { "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        }

        Assert.False(File.Exists(Path.Combine(folder, PaliGemmaManifest.FileName)));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.onnx.data", SearchOption.AllDirectories));
    }

    [Fact]
    public void Configs_state_what_transformers_js_reads()
    {
        var config = models.Checkpoint.Config;
        JsonNode root = JsonNode.Parse(File.ReadAllText(Path.Combine(models.Folder("tjs-fp16"), "config.json")))!;
        Assert.Equal("paligemma", (string?)root["model_type"]);
        Assert.Equal(config.ImageTokenIndex, (int?)root["image_token_index"]);
        Assert.Equal(config.Text.NumHiddenLayers, (int?)root["text_config"]!["num_hidden_layers"]);
        Assert.Equal(config.Text.NumKeyValueHeads, (int?)root["text_config"]!["num_key_value_heads"]);
        Assert.Equal(config.Text.HeadDim, (int?)root["text_config"]!["head_dim"]);
        Assert.Equal("fp16", (string?)root["transformers.js_config"]!["dtype"]);
        Assert.True((bool?)root["transformers.js_config"]!["use_external_data_format"]);

        JsonNode pre = JsonNode.Parse(File.ReadAllText(Path.Combine(models.Folder("tjs-fp16"), "preprocessor_config.json")))!;
        Assert.Equal("PaliGemmaProcessor", (string?)pre["processor_class"]);
        Assert.Equal(config.Vision.NumPatches, (int?)pre["image_seq_length"]);
        Assert.Equal(config.Vision.ImageSize, (int?)pre["size"]!["height"]);
        Assert.Equal(3, (int?)pre["resample"]);

        JsonNode generation = JsonNode.Parse(File.ReadAllText(Path.Combine(models.Folder("tjs-fp16"), "generation_config.json")))!;
        Assert.Equal([models.Manifest.TokenIds.Eos, .. models.Manifest.TokenIds.ExtraStop], generation["eos_token_id"]!.AsArray().Select(n => (int)n!));
    }

    [Fact]
    public void Graphs_have_transformers_js_input_and_output_names()
    {
        using var loop = new TransformersJsLoop(models.Folder("tjs-fp32"), ModelPrecision.Float32, models.Checkpoint.Config);
        int layers = models.Checkpoint.Config.Text.NumHiddenLayers;
        Assert.Equal(["pixel_values"], loop.VisionSession.InputMetadata.Keys);
        Assert.Equal(["image_features"], loop.VisionSession.OutputMetadata.Keys);
        Assert.Equal(["input_ids"], loop.EmbedSession.InputMetadata.Keys);
        Assert.Equal(["inputs_embeds"], loop.EmbedSession.OutputMetadata.Keys);
        string[] pastNames = [.. Enumerable.Range(0, layers).SelectMany(i => new[] { $"past_key_values.{i}.key", $"past_key_values.{i}.value" })];
        Assert.Equal(
            new[] { "inputs_embeds", "attention_mask", "position_ids", "num_logits_to_keep" }.Concat(pastNames).Order(StringComparer.Ordinal),
            loop.Decoder.InputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            new[] { "logits" }.Concat(pastNames.Select(n => n.Replace("past_key_values", "present", StringComparison.Ordinal))).Order(StringComparer.Ordinal),
            loop.Decoder.OutputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([-1, -1], loop.Decoder.InputMetadata["position_ids"].Dimensions); // [batch, seq], both symbolic
        Assert.Empty(loop.Decoder.InputMetadata["num_logits_to_keep"].Dimensions); // an int64 scalar
    }

    [Theory]
    [InlineData(ModelPrecision.Float32, 1e-4)]
    [InlineData(ModelPrecision.Float16, 1e-3)]
    public void Transformers_js_greedy_loop_generates_our_tokens_with_our_logits(ModelPrecision precision, double tolerance)
    {
        string name = precision == ModelPrecision.Float32 ? "fp32" : "fp16";
        using var model = PaliGemmaModel.Load(models.Folder("ours-" + name));
        float[] pixels = Pixels();
        float[] features = model.EncodeImage(pixels);
        int[] prompt = model.BuildPromptIds("caption en");
        int[] ours = [.. model.Generate(features, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = Steps }).Select(t => t.Id)];
        (List<float[]> ourLogits, _) = GenAiDecoderTests.Generate(models.Folder("ours-" + name), prompt, features, models.Manifest.TextHiddenSize, ours.Length);

        using var loop = new TransformersJsLoop(models.Folder("tjs-" + name), precision, models.Checkpoint.Config);
        float[] theirFeatures = loop.Vision(pixels, models.Manifest.ImageSize);
        Assert.Equal(features, theirFeatures); // the same vision graph and weights

        (List<int> tokens, List<float[]> logits) = loop.Generate(prompt, theirFeatures, ours.Length);
        Assert.Equal(ours, tokens);
        Assert.True(ours.Distinct().Count() > 2, $"the comparison is trivial: tokens {string.Join(',', ours)}");
        for (int step = 0; step < tokens.Count; step++)
        {
            double error = RelativeRms(logits[step], ourLogits[step]);
            Assert.True(error < tolerance, $"step {step}: relative RMS difference {error:E2} between the layouts' logits");
        }
    }

    [Fact]
    public void Prompt_attention_is_bidirectional_and_num_logits_to_keep_selects_rows()
    {
        using var loop = new TransformersJsLoop(models.Folder("tjs-fp32"), ModelPrecision.Float32, models.Checkpoint.Config);
        float[] features = loop.Vision(Pixels(), models.Manifest.ImageSize);
        PaliGemmaTokenIds ids = models.Manifest.TokenIds;
        int n = models.Manifest.NumImageTokens;
        int caption = models.Checkpoint.Vocabulary.IdOf("caption");
        int[] a = [.. Enumerable.Repeat(ids.Image, n), ids.Bos, caption, ids.Newline];
        int[] b = [.. a[..^1], models.Checkpoint.Vocabulary.IdOf("cat")];

        float[][] all = Prefill(loop, a, features, keep: 0);
        float[][] last = Prefill(loop, a, features, keep: 1);
        float[][] changed = Prefill(loop, b, features, keep: 0);
        Assert.Equal(a.Length, all.Length);
        Assert.Single(last);
        Assert.True(RelativeRms(all[^1], last[0]) < 1e-6);

        // PaliGemma's prefix is bidirectional: the first position sees the last prompt token.
        Assert.True(RelativeRms(all[0], changed[0]) > 1e-4, "position 0 did not change when the last prompt token did: the prompt is masked causally");
    }

    [Fact]
    public void Mask_decoder_with_the_transformers_js_layout_is_refused()
    {
        using var output = new TempFolder();
        var ex = Assert.Throws<ArgumentException>(() => PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = models.Checkpoint.Folder,
            OutputDirectory = output.File("x"),
            Layout = ModelLayout.TransformersJs,
            MaskDecoderNpzPath = output.File("vae-oid.npz"),
        }));
        Assert.Contains("mask decoder", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output.File("x")));
    }

    private static float[][] Prefill(TransformersJsLoop loop, int[] prompt, float[] features, long keep)
    {
        float[] embeds = loop.Embed(prompt);
        Array.Copy(features, 0, embeds, 0, features.Length);
        long[] positions = [.. Enumerable.Range(1, prompt.Length).Select(p => (long)p)];
        return loop.Run(embeds, positions, prompt.Length, loop.EmptyPast(), keep, out _);
    }

    private static double RelativeRms(float[] a, float[] b)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff += (a[i] - b[i]) * (double)(a[i] - b[i]);
            norm += b[i] * (double)b[i];
        }

        return Math.Sqrt(diff / Math.Max(norm, 1e-30));
    }
}
