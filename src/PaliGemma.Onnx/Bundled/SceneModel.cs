using System.Security.Cryptography;
using System.Text;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Bundled;

/// <summary>
/// The offline default model: <c>paligemma2-tiny-scenes</c>, a 1.9 M-parameter PaliGemma 2 (112 px, SigLIP 3 × 128,
/// Gemma 2 4 × 128) trained from scratch on synthetic scenes of coloured shapes (circle, square, triangle, star,
/// hexagon) for <c>caption en</c>, <c>detect</c>, <c>segment</c>, <c>ocr</c> and <c>answer en how many …?</c>, with its
/// mask VQ-VAE. Its Hugging Face-layout checkpoint (fp16 safetensors, tokenizer, <c>vae.npz</c>) ships in the
/// repository under <c>models/paligemma2-tiny-scenes</c> and is copied next to the applications that use it; it is
/// converted once into a cache folder on first use (the <c>PaliGemma.Models.Scenes</c> package brings the checkpoint to
/// a package consumer's output folder). It knows nothing beyond those scenes; <see cref="Summary"/> gives its held-out
/// quality and docs/trained-model.md the recipe and run history.
/// </summary>
public static class SceneModel
{
    /// <summary>The model's name (its folder name and model id).</summary>
    public const string Name = "paligemma2-tiny-scenes";

    /// <summary>
    /// What the model is and how well it does on 500 held-out scenes in the precision <see cref="EnsureModelFolder"/> converts
    /// it to (the figures of docs/trained-model.md and the model's README), for applications that describe it to their users.
    /// </summary>
    public const string Summary =
        "paligemma2-tiny-scenes: a 1.9 M-parameter PaliGemma 2 (the real architecture) trained from scratch on synthetic scenes of " +
        "coloured shapes (circle, square, triangle, star, hexagon); it knows nothing else. On 500 held-out scenes, in the CPU " +
        "default precision: detection mAP@0.5 0.882, mask mIoU 0.854 (stars weakest: 0.574), exact captions 84 %, OCR " +
        "character accuracy 0.907, counting 99.3 % right.";

    /// <summary>The mask VQ-VAE file inside the checkpoint folder.</summary>
    public const string MaskVqVaeFileName = "vae.npz";

    /// <summary>The object classes the model was trained on, in the order the training data lists them.</summary>
    public static IReadOnlyList<string> Labels { get; } = ["circle", "square", "triangle", "star", "hexagon"];

    /// <summary>The checkpoint folder copied next to the running application (<c>&lt;app&gt;/models/paligemma2-tiny-scenes</c>).</summary>
    public static string BundledCheckpointDirectory => Path.Combine(AppContext.BaseDirectory, "models", Name);

    /// <summary>The default cache root: <c>$XDG_CACHE_HOME/paligemma/models</c>, else <c>~/.cache/paligemma/models</c>.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "paligemma", "models");
        }
    }

    /// <summary>
    /// Returns a converted model folder (with <c>mask_decoder.onnx</c>) for the checkpoint, converting it on first use.
    /// The folder name carries a hash of the checkpoint files and the converter version, so a changed checkpoint or
    /// converter gets a fresh folder; concurrent callers (threads or processes) convert once.
    /// </summary>
    /// <param name="cacheDirectory">Where converted folders live; <see cref="DefaultCacheDirectory"/> when null.</param>
    /// <param name="checkpointDirectory">The checkpoint folder; <see cref="BundledCheckpointDirectory"/> when null.</param>
    /// <param name="log">Receives one line when a conversion starts (nothing when the cached folder is reused).</param>
    /// <param name="precision">
    /// The weight precision, or null (default) for what <c>paligemma convert</c> picks for the CPU
    /// (<see cref="ConvertOptions.Resolve"/> with <see cref="ConversionTarget.Cpu"/>); each choice gets its own cached folder.
    /// </param>
    /// <param name="progress">Receives the first-use conversion's progress, stage by stage (nothing when the cached folder is reused).</param>
    /// <returns>
    /// The model folder. This package only converts: load the folder with the runtime, <c>PaliGemma.AI</c>
    /// (<c>services.AddPaliGemma(o =&gt; o.ModelPath = folder)</c> or <c>PaliGemmaModel.Load(folder)</c>).
    /// </returns>
    /// <exception cref="FileNotFoundException">The checkpoint folder or one of its files is missing (the message names it).</exception>
    /// <exception cref="Checkpoints.CheckpointException">A checkpoint file is malformed.</exception>
    public static string EnsureModelFolder(string? cacheDirectory = null, string? checkpointDirectory = null, Action<string>? log = null, ModelPrecision? precision = null, IProgress<ExportProgress>? progress = null)
    {
        string checkpoint = Path.GetFullPath(checkpointDirectory ?? BundledCheckpointDirectory);
        string[] files = RequiredFiles(checkpoint);
        ConvertOptions resolved = new ConvertOptions { InputDirectory = checkpoint, OutputDirectory = checkpoint, Precision = precision, Target = ConversionTarget.Cpu }.Resolve();
        string key = CacheKey(files, PrecisionKey(resolved));
        string folder = Path.Combine(Path.GetFullPath(cacheDirectory ?? DefaultCacheDirectory), $"{Name}-{key}");
        ConvertedFolderCache.GetOrCreate(folder, key, () =>
        {
            log?.Invoke($"Converting the {Name} checkpoint '{checkpoint}' into '{folder}' (first use only) ...");
            return PaliGemmaConverter.Convert(new ConvertOptions
            {
                InputDirectory = checkpoint,
                OutputDirectory = folder,
                Precision = resolved.Precision,
                VisionPrecision = resolved.VisionPrecision,
                Int4 = resolved.Int4,
                ModelId = Name,
                Overwrite = true,
                MaskDecoderNpzPath = Path.Combine(checkpoint, MaskVqVaeFileName),
                Description = $"{Name}: tiny PaliGemma 2 trained on synthetic shape scenes; key {key}",
                Progress = progress,
            });
        });
        return folder;
    }

    private static string[] RequiredFiles(string checkpoint)
    {
        if (!Directory.Exists(checkpoint))
        {
            throw new FileNotFoundException(
                $"The {Name} checkpoint folder '{checkpoint}' does not exist. Applications get it by referencing the PaliGemma.Models.Scenes package (or, inside the repository, by importing models/SceneModel.props); both copy the checkpoint next to the application.",
                checkpoint);
        }

        string[] names = [PaliGemmaConfigReader.FileName, CheckpointFolder.SingleFileName, ModelFileNames.Tokenizer, ModelFileNames.TokenizerConfig, MaskVqVaeFileName];
        string[] files = [.. names.Select(n => Path.Combine(checkpoint, n))];
        foreach (string file in files)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The {Name} checkpoint folder '{checkpoint}' lacks '{Path.GetFileName(file)}'.", file);
            }
        }

        return files;
    }

    /// <summary>The precision choices of a resolved conversion, as text for the cache key.</summary>
    private static string PrecisionKey(ConvertOptions o) =>
        $"decoder={o.Precision};vision={o.VisionPrecision};int4={(o.Int4 is { } q ? $"{q.BlockSize},{q.Symmetric},{q.AccuracyLevel},{q.QuantizeLmHead},{q.HeadBlockSize}" : "-")}";

    private static string CacheKey(string[] files, string precision)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(PaliGemmaConverter.ConverterVersion));
        hash.AppendData(Encoding.UTF8.GetBytes(precision));
        foreach (string file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return System.Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
