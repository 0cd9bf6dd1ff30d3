using System.Security.Cryptography;
using System.Text;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Tiny;

/// <summary>Creates ready-to-run tiny model folders (generate a random checkpoint, then convert it) for tests and demos.</summary>
public static class TinyModels
{
    /// <summary>
    /// Makes <paramref name="outputDir"/> a converted tiny model folder for <paramref name="options"/>. If the folder
    /// already holds a model made from the same options, precision and converter version, it is reused as is.
    /// </summary>
    /// <param name="outputDir">The model folder to create or reuse.</param>
    /// <param name="options">The tiny model's shape and seed.</param>
    /// <param name="precision">Weight precision of the graphs.</param>
    /// <returns>The folder's manifest.</returns>
    public static PaliGemmaManifest CreateModelFolder(string outputDir, TinyModelOptions options, ModelPrecision precision = ModelPrecision.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDir);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string key = CacheKey(options, precision);
        return ConvertedFolderCache.GetOrCreate(outputDir, key, () =>
        {
            string checkpoint = Path.Combine(Path.GetTempPath(), "paligemma-tiny-" + Guid.NewGuid().ToString("N"));
            try
            {
                TinyModelGenerator.Generate(checkpoint, options);
                return PaliGemmaConverter.Convert(new ConvertOptions
                {
                    InputDirectory = checkpoint,
                    OutputDirectory = outputDir,
                    Precision = precision,
                    ModelId = $"tiny-{(options.Variant == TinyModelVariant.PaliGemma1 ? "pg1" : "pg2")}-{options.ImageSize}",
                    Overwrite = true,
                    Description = $"random weights, tiny {options.Variant} shape, seed {options.Seed}; key {key}",
                });
            }
            finally
            {
                if (Directory.Exists(checkpoint))
                {
                    Directory.Delete(checkpoint, recursive: true);
                }
            }
        });
    }

    private static string CacheKey(TinyModelOptions options, ModelPrecision precision)
    {
        string text = $"{options}|{precision}|{PaliGemmaConverter.ConverterVersion}|format {PaliGemmaManifest.CurrentFormatVersion}";
        return System.Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
