using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;

namespace PaliGemma.Onnx.Conversion;

/// <summary>
/// Converts a Hugging Face PaliGemma checkpoint folder into a model folder (<c>paligemma.json</c>,
/// <c>genai_config.json</c>, <c>vision.onnx</c>, <c>decoder.onnx</c> + data, tokenizer files). Everything is
/// validated before any graph is written; the folder is built next to the output and renamed into place at the
/// end, so a failed conversion never leaves a folder that looks complete. Tensors are streamed one at a time.
/// </summary>
public static class PaliGemmaConverter
{
    private static readonly string[] TokenizerFiles = [TokenizerInspector.TokenizerFileName, TokenizerInspector.TokenizerConfigFileName, "special_tokens_map.json"];

    /// <summary>Gets the converter identification written to manifests (<c>PaliGemma.Onnx/&lt;version&gt;</c>).</summary>
    public static string ConverterVersion { get; } =
        "PaliGemma.Onnx/" + (typeof(PaliGemmaConverter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    /// <summary>Converts a checkpoint; returns the manifest written.</summary>
    /// <param name="options">Input, output, precision and progress.</param>
    /// <exception cref="CheckpointException">The checkpoint is missing, malformed or does not match its config; the message names the file, key or tensor.</exception>
    /// <exception cref="IOException">The output folder exists (without <see cref="ConvertOptions.Overwrite"/>) or cannot be written.</exception>
    public static PaliGemmaManifest Convert(ConvertOptions options) => Convert(options, OnnxGraphExporter.Instance);

    internal static PaliGemmaManifest Convert(ConvertOptions options, IModelGraphExporter exporter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.InputDirectory);
        ArgumentException.ThrowIfNullOrEmpty(options.OutputDirectory);
        string input = Path.GetFullPath(options.InputDirectory);
        string output = Path.GetFullPath(options.OutputDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (!Directory.Exists(input))
        {
            throw new CheckpointException($"Checkpoint folder '{input}' does not exist.");
        }

        if (Directory.Exists(output) && !options.Overwrite && Directory.EnumerateFileSystemEntries(output).Any())
        {
            throw new IOException($"Output folder '{output}' already exists and is not empty; choose another folder or allow overwriting.");
        }

        if (File.Exists(output))
        {
            throw new IOException($"Output path '{output}' is a file.");
        }

        options.Int4?.Validate();
        IProgress<ExportProgress>? progress = options.Progress;
        progress?.Report(new ExportProgress("validate", 0, 1));
        PaliGemmaConfig config = PaliGemmaConfigReader.Read(Path.Combine(input, PaliGemmaConfigReader.FileName));
        string tokenizerConfig = Path.Combine(input, TokenizerInspector.TokenizerConfigFileName);
        if (!File.Exists(tokenizerConfig))
        {
            throw new CheckpointException($"Tokenizer settings '{tokenizerConfig}' do not exist; ONNX Runtime GenAI's tokenizer needs '{TokenizerInspector.TokenizerConfigFileName}' next to '{TokenizerInspector.TokenizerFileName}'.");
        }

        PaliGemmaTokenIds ids = TokenizerInspector.ReadTokenIds(Path.Combine(input, TokenizerInspector.TokenizerFileName), config);
        int contextLength = options.MaxSequenceLength ?? config.Text.MaxPositionEmbeddings;
        if (contextLength <= config.Vision.NumPatches + 2)
        {
            throw new ArgumentException($"MaxSequenceLength {contextLength} leaves no room for text after {config.Vision.NumPatches} image tokens.", nameof(options));
        }

        using SafetensorsReader weights = CheckpointFolder.Open(input);
        PaliGemmaTensorLayout.Validate(config, weights, input);
        progress?.Report(new ExportProgress("validate", 1, 1));

        string checkpointHash = HashFiles(weights.Files, progress);
        string temp = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var files = new PaliGemmaModelFiles();
            exporter.ExportVision(config, weights, Path.Combine(temp, files.Vision), options.Precision, options.Int4, progress);
            DecoderExportOptions decoder = options.Decoder ?? new DecoderExportOptions();
            exporter.ExportDecoder(config, weights, Path.Combine(temp, files.Decoder), options.Precision, decoder with { Int4 = options.Int4 ?? decoder.Int4 }, progress);
            exporter.WriteGenAiConfig(config, temp, contextLength, [ids.Eos, .. ids.ExtraStop]);
            foreach (string file in TokenizerFiles)
            {
                string source = Path.Combine(input, file);
                if (File.Exists(source))
                {
                    File.Copy(source, Path.Combine(temp, file));
                }
            }

            PaliGemmaManifest manifest = BuildManifest(options, input, config, ids, contextLength, checkpointHash);
            WriteManifest(Path.Combine(temp, PaliGemmaManifest.FileName), manifest);
            progress?.Report(new ExportProgress("finish", 0, 1));
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }

            Directory.Move(temp, output);
            progress?.Report(new ExportProgress("finish", 1, 1));
            return manifest;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes a manifest as indented JSON.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="manifest">The manifest.</param>
    public static void WriteManifest(string path, PaliGemmaManifest manifest)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        JsonSerializer.Serialize(stream, manifest, PaliGemmaManifestJsonContext.Default.PaliGemmaManifest);
    }

    private static PaliGemmaManifest BuildManifest(ConvertOptions options, string input, PaliGemmaConfig config, PaliGemmaTokenIds ids, int contextLength, string hash) => new()
    {
        ModelId = string.IsNullOrWhiteSpace(options.ModelId) ? Path.GetFileName(input) : options.ModelId,
        Architecture = config.Generation == 2 ? "paligemma2" : "paligemma",
        ImageSize = config.Vision.ImageSize,
        PatchSize = config.Vision.PatchSize,
        NumImageTokens = config.Vision.NumPatches,
        TextHiddenSize = config.Text.HiddenSize,
        VocabSize = config.Text.VocabSize,
        MaxSequenceLength = contextLength,
        Precision = options.Precision switch
        {
            ModelPrecision.Float16 => "fp16",
            ModelPrecision.Int4 => "int4",
            _ => "fp32",
        },
        TokenIds = ids,
        Source = new PaliGemmaModelSource
        {
            CheckpointSha256 = hash,
            Converter = ConverterVersion,
            Description = options.Description,
        },
    };

    /// <summary>SHA-256 over the weight files' bytes, concatenated in the reader's file order.</summary>
    private static string HashFiles(IReadOnlyList<string> files, IProgress<ExportProgress>? progress)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        for (int i = 0; i < files.Count; i++)
        {
            progress?.Report(new ExportProgress("hash", i, files.Count));
            using var stream = new FileStream(files[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        progress?.Report(new ExportProgress("hash", files.Count, files.Count));
        return System.Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: the partial folder has a hidden ".partial-" name and no manifest.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
