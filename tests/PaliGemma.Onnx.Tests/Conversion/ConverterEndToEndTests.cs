using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Conversion;

/// <summary>Converts one BF16, sharded, newer-layout tiny PaliGemma 2 checkpoint to fp32 and fp16 model folders.</summary>
public sealed class ConvertedTinyModels : IDisposable
{
    public ConvertedTinyModels()
    {
        Options = new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 28, DataType = TensorDataType.BFloat16, KeyLayout = CheckpointKeyLayout.Nested, ShardCount = 2, Seed = 3 };
        Checkpoint = TinyModelGenerator.Generate(Folder("hf"), Options);
        Fp32 = PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Checkpoint.Folder, OutputDirectory = Folder("fp32"), Precision = ModelPrecision.Float32 });
        Fp16 = PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = Checkpoint.Folder, OutputDirectory = Folder("fp16"), Precision = ModelPrecision.Float16 });
    }

    private readonly TempFolder _root = new();

    public string Folder(string name) => _root.File(name);

    public TinyModelOptions Options { get; }

    public TinyCheckpoint Checkpoint { get; }

    public PaliGemmaManifest Fp32 { get; }

    public PaliGemmaManifest Fp16 { get; }

    public void Dispose() => _root.Dispose();
}

public sealed class ConverterEndToEndTests(ConvertedTinyModels models) : IClassFixture<ConvertedTinyModels>
{
    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Model_folders_hold_every_part()
    {
        foreach (string folder in new[] { models.Folder("fp32"), models.Folder("fp16") })
        {
            foreach (string file in new[] { "paligemma.json", "genai_config.json", "vision.onnx", "vision.onnx.data", "decoder.onnx", "decoder.onnx.data", "tokenizer.json", "tokenizer_config.json" })
            {
                Assert.True(File.Exists(Path.Combine(folder, file)), $"{folder}/{file}");
            }
        }

        Assert.Equal("fp32", models.Fp32.Precision);
        Assert.Equal("fp16", models.Fp16.Precision);
        Assert.Equal(models.Fp32.Source?.CheckpointSha256, models.Fp16.Source?.CheckpointSha256);
        Assert.True(new FileInfo(Path.Combine(models.Folder("fp16"), "decoder.onnx.data")).Length < new FileInfo(Path.Combine(models.Folder("fp32"), "decoder.onnx.data")).Length);
    }

    [Fact]
    public void Bf16_input_converts_exactly_like_its_float32_widening()
    {
        // Re-store the BF16 checkpoint as F32 (widening is exact): both must give byte-identical graphs.
        using var widened = new TempFolder();
        foreach (string file in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(models.Checkpoint.Folder, file), widened.File(file));
        }

        using (SafetensorsReader reader = CheckpointFolder.Open(models.Checkpoint.Folder))
        {
            SafetensorsWriter.Write(widened.File("model.safetensors"), reader.Names.Select(name => new SafetensorsTensor(
                name, TensorDataType.Float32, reader.GetInfo(name).Shape, (offset, chunk) => reader.ReadFloat32(name, offset, chunk))).ToList());
        }

        string output = widened.File("out");
        PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = widened.Path, OutputDirectory = output, Precision = ModelPrecision.Float32 });
        foreach (string file in new[] { "vision.onnx.data", "decoder.onnx.data", "genai_config.json" })
        {
            Assert.Equal(Sha(Path.Combine(models.Folder("fp32"), file)), Sha(Path.Combine(output, file)));
        }
    }

    [Fact]
    public void Vision_graphs_run_and_fp16_tracks_fp32()
    {
        int size = models.Fp32.ImageSize;
        float[] pixels = new float[3 * size * size];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = ((i * 37) % 200 / 100f) - 1f;
        }

        float[] a = RunVision(models.Folder("fp32"), pixels, size);
        float[] b = RunVision(models.Folder("fp16"), pixels, size);
        Assert.Equal(models.Fp32.NumImageTokens * models.Fp32.TextHiddenSize, a.Length);
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        Assert.True(a.Max() - a.Min() > 1e-3f, "features should vary");
        float diff = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(diff < 5e-3f, $"fp16 vision differs from fp32 by {diff}");
    }

    [Fact]
    public void GenAi_tokenizer_loads_encodes_and_decodes_paligemma_tokens()
    {
        using var model = new Model(models.Folder("fp32"));
        using var tokenizer = new Tokenizer(model);
        PaliGemmaTokenIds ids = models.Fp32.TokenIds;
        TinyVocabulary vocabulary = models.Checkpoint.Vocabulary;

        int[] caption = tokenizer.Encode("caption en")[0].ToArray();

        // ORT GenAI's Encode does not prepend <bos> (the runtime assembles image, bos, prefix and newline itself).
        Assert.Equal([vocabulary.IdOf("caption"), vocabulary.IdOf("\u2581en")], caption);
        Assert.Equal("caption en", tokenizer.Decode(caption));
        Assert.Equal(
            [vocabulary.IdOf("detect"), vocabulary.IdOf("\u2581cat"), vocabulary.IdOf("\u2581"), vocabulary.IdOf(";"), vocabulary.IdOf("\u2581dog")],
            tokenizer.Encode("detect cat ; dog")[0].ToArray());

        int[] newline = tokenizer.Encode("\n")[0].ToArray();
        Assert.Equal([ids.Newline], newline);

        // <image> is special (dropped when decoding); <loc>/<seg> are not, so detections survive decoding.
        int[] mixed = tokenizer.Encode("<loc0001>x<image>")[0].ToArray();
        Assert.Equal([ids.LocStart + 1, vocabulary.IdOf("x"), ids.Image], mixed);

        int[] detection = [ids.LocStart + 1, ids.LocStart + 1023, ids.SegStart + 5, vocabulary.IdOf("\u2581cat"), ids.Eos];
        Assert.Equal("<loc0001><loc1023><seg005> cat", tokenizer.Decode(detection));

        // Characters outside the word list fall back to bytes and still round-trip.
        int[] unusual = tokenizer.Encode("zebra ü")[0].ToArray();
        Assert.Equal("zebra ü", tokenizer.Decode(unusual));
    }

    [Fact]
    public void GenAi_decoder_generates_from_both_precisions()
    {
        PaliGemmaManifest m = models.Fp32;
        float[] features = new float[m.NumImageTokens * m.TextHiddenSize];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = MathF.Sin(i * 0.37f);
        }

        int[] prompt = [.. Enumerable.Repeat(m.TokenIds.Image, m.NumImageTokens), m.TokenIds.Bos, models.Checkpoint.Vocabulary.IdOf("caption"), m.TokenIds.Newline];
        (float[] logits32, int[] tokens32) = Generate(models.Folder("fp32"), prompt, features, m.TextHiddenSize, steps: 4);
        (float[] logits16, _) = Generate(models.Folder("fp16"), prompt, features, m.TextHiddenSize, steps: 4);

        Assert.Equal(m.VocabSize, logits32.Length);
        Assert.Equal(4, tokens32.Length);
        Assert.All(tokens32, t => Assert.InRange(t, 0, m.VocabSize - 1));
        float diff = logits32.Zip(logits16, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(diff < 0.05f, $"fp16 prefill logits differ from fp32 by {diff}");
    }

    private static float[] RunVision(string folder, float[] pixels, int size)
    {
        using var session = new InferenceSession(Path.Combine(folder, "vision.onnx"));
        var input = new DenseTensor<float>(pixels, [1, 3, size, size]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(VisionGraphNames.PixelValues, input)]);
        return results.Single().AsTensor<float>().ToArray();
    }

    private static (float[] PrefillLogits, int[] Tokens) Generate(string folder, int[] prompt, float[] features, int hidden, int steps)
    {
        using var model = new Model(folder);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + steps);
        using var generator = new Generator(model, parameters);
        GCHandle handle = GCHandle.Alloc(features, GCHandleType.Pinned);
        try
        {
            using var tensor = new Microsoft.ML.OnnxRuntimeGenAI.Tensor(handle.AddrOfPinnedObject(), [features.Length / hidden, hidden], ElementType.float32);
            generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
            generator.AppendTokens(prompt);
            float[] prefill;
            using (Microsoft.ML.OnnxRuntimeGenAI.Tensor logits = generator.GetOutput(DecoderGraphNames.Logits))
            {
                int vocab = (int)logits.Shape()[^1];
                prefill = logits.GetData<float>()[^vocab..].ToArray();
            }

            var tokens = new List<int>();
            while (tokens.Count < steps && !generator.IsDone())
            {
                generator.GenerateNextToken();
                tokens.Add(generator.GetNextTokens()[0]);
            }

            return (prefill, tokens.ToArray());
        }
        finally
        {
            handle.Free();
        }
    }
}
