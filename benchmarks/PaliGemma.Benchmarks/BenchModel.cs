using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Benchmarks;

/// <summary>The model folder the model-level benchmarks run: <c>PALIGEMMA_BENCH_MODEL</c>, or a generated tiny one.</summary>
internal static class BenchModel
{
    private static readonly Lazy<string> Folder = new(Create);

    public static string Path => Folder.Value;

    /// <summary>A small PNG (gradient) encoded once.</summary>
    public static byte[] Image { get; } = MakePng(320, 240);

    private static string Create()
    {
        string? configured = Environment.GetEnvironmentVariable("PALIGEMMA_BENCH_MODEL");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        string root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "paligemma-bench-tiny");
        string model = System.IO.Path.Combine(root, "model");
        if (!File.Exists(System.IO.Path.Combine(model, ModelFileNames.Manifest)))
        {
            TinyCheckpoint tiny = TinyModelGenerator.Generate(System.IO.Path.Combine(root, "hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma1, ImageSize = 224, Seed = 1 });
            PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = tiny.Folder, OutputDirectory = model, Precision = ModelPrecision.Float32, Overwrite = true });
        }

        return model;
    }

    private static byte[] MakePng(int width, int height)
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)((x + y) % 256));
            }
        }

        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, stream);
        return stream.ToArray();
    }
}
