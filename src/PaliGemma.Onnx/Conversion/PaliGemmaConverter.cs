using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Adapters;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Masks;

namespace PaliGemma.Onnx.Conversion;

/// <summary>
/// Converts a Hugging Face PaliGemma checkpoint folder into a model folder (<c>paligemma.json</c>,
/// <c>genai_config.json</c>, <c>vision.onnx</c>, <c>decoder.onnx</c> + data, tokenizer files, optionally <c>mask_decoder.onnx</c>). Everything is
/// validated before any graph is written; the folder is built next to the output and renamed into place at the
/// end, so a failed conversion never leaves a folder that looks complete. Tensors are streamed one at a time.
/// </summary>
public static class PaliGemmaConverter
{
    private static readonly string[] TokenizerFiles = [ModelFileNames.Tokenizer, ModelFileNames.TokenizerConfig, ModelFileNames.SpecialTokensMap];

    /// <summary>Gets the converter identification written to manifests (<c>PaliGemma.Onnx/&lt;version&gt;</c>).</summary>
    public static string ConverterVersion { get; } =
        "PaliGemma.Onnx/" + (typeof(PaliGemmaConverter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    /// <summary>
    /// Converts a checkpoint; returns the manifest written (for <see cref="ModelLayout.TransformersJs"/>, the manifest that
    /// describes the converted model; that layout does not contain it).
    /// </summary>
    /// <param name="options">Input, output, precision (resolved with <see cref="ConvertOptions.Resolve"/>) and progress.</param>
    /// <exception cref="CheckpointException">The checkpoint (or the mask decoder's .npz) is missing, malformed or does not match its config; the message names the file, key or tensor.</exception>
    /// <exception cref="LoraAdapterException">The <see cref="ConvertOptions.LoraAdapterDirectory"/> adapter is missing, malformed, unsupported or does not fit the checkpoint; <see cref="LoraAdapterException.Field"/> and <see cref="LoraAdapterException.Value"/> name what.</exception>
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

        if (options.Layout == ModelLayout.TransformersJs && options.VisionPrecision is { } vp && vp != (options.Precision ?? options.Resolve().Precision))
        {
            throw new ArgumentException("The transformers.js layout writes every graph in one precision; leave the vision precision unset.", nameof(options));
        }

        options = options.Resolve();
        if (options.Layout == ModelLayout.TransformersJs)
        {
            options = options with { VisionPrecision = options.Precision };
        }

        options.Int4?.Validate();
        if (!Enum.IsDefined(options.Layout))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Layout, "Unknown model layout.");
        }

        if (options.Layout == ModelLayout.TransformersJs && options.RuntimeLoraAdapters is { Count: > 0 })
        {
            throw new ArgumentException("The transformers.js layout has no run-time adapters; merge one adapter with LoraAdapterDirectory instead.", nameof(options));
        }

        if (options.Layout == ModelLayout.TransformersJs && options.MaskDecoderNpzPath is not null)
        {
            throw new ArgumentException("The transformers.js layout has no mask decoder; convert without a mask decoder .npz.", nameof(options));
        }

        IProgress<ExportProgress>? progress = options.Progress;
        progress?.Report(new ExportProgress("validate", 0, 1));
        PaliGemmaConfig config = PaliGemmaConfigReader.Read(Path.Combine(input, PaliGemmaConfigReader.FileName));
        string tokenizerConfig = Path.Combine(input, ModelFileNames.TokenizerConfig);
        if (!File.Exists(tokenizerConfig))
        {
            throw new CheckpointException($"Tokenizer settings '{tokenizerConfig}' do not exist; ONNX Runtime GenAI's tokenizer needs '{ModelFileNames.TokenizerConfig}' next to '{ModelFileNames.Tokenizer}'.");
        }

        PaliGemmaTokenIds ids = TokenizerInspector.ReadTokenIds(Path.Combine(input, ModelFileNames.Tokenizer), config);
        int contextLength = options.MaxSequenceLength ?? config.Text.MaxPositionEmbeddings;
        if (contextLength <= config.Vision.NumPatches + 2)
        {
            throw new ArgumentException($"MaxSequenceLength {contextLength} leaves no room for text after {config.Vision.NumPatches} image tokens.", nameof(options));
        }

        using SafetensorsReader checkpoint = CheckpointFolder.Open(input);
        PaliGemmaTensorLayout.Validate(config, checkpoint, input);
        using LoraAdapter? adapter = options.LoraAdapterDirectory is { } loraDir ? LoraAdapter.Load(loraDir, config) : null;
        using ICheckpointReader merged = adapter is null ? checkpoint : new LoraMergedCheckpoint(checkpoint, adapter);
        using RuntimeAdapterSet runtimeAdapters = LoadRuntimeAdapters(options, config);
        using ICheckpointReader weights = runtimeAdapters.Count == 0 ? merged : new RuntimeLoraCheckpoint(merged, RuntimeLoraExport.Slots(runtimeAdapters.Adapters.Values));
        VqVaeDecoderWeights? maskWeights = options.MaskDecoderNpzPath is { } npz ? ReadMaskDecoder(npz) : null;
        progress?.Report(new ExportProgress("validate", 1, 1));

        // With an adapter, the hash covers the base weights and then the adapter's files: a merged folder never claims the base's hash.
        string checkpointHash = HashFiles([.. checkpoint.Files, .. adapter?.Files ?? []], progress);
        string temp = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.partial-{Guid.NewGuid():N}");
        string writing = temp;
        try
        {
            Directory.CreateDirectory(temp);
            PaliGemmaManifest manifest = BuildManifest(options, input, config, ids, contextLength, checkpointHash);
            if (options.Layout == ModelLayout.TransformersJs)
            {
                TransformersJs.TransformersJsFolderWriter.Write(temp, input, config, weights, options, ids, contextLength);
                CopyTokenizerFiles(input, temp, ref writing);
            }
            else
            {
                manifest = WriteModelFolder(temp, input, config, weights, options, exporter, ids, contextLength, maskWeights, manifest, ref writing);
                if (runtimeAdapters.Count > 0)
                {
                    var written = new List<PaliGemmaAdapterFiles>();
                    foreach ((string name, LoraAdapter runtime) in runtimeAdapters.Adapters)
                    {
                        writing = Path.Combine(temp, RuntimeLoraExport.FilePrefix + name);
                        RuntimeLoraFiles files = RuntimeLoraExport.Write(temp, name, runtime);
                        written.Add(new PaliGemmaAdapterFiles { Name = name, Vision = files.Vision, Decoder = files.Decoder });
                    }

                    manifest = manifest with { Files = manifest.Files with { Adapters = written } };
                    writing = Path.Combine(temp, PaliGemmaManifest.FileName);
                    WriteManifest(writing, manifest);
                }
            }

            progress?.Report(new ExportProgress("finish", 0, 1));
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }

            Directory.Move(temp, output);
            progress?.Report(new ExportProgress("finish", 1, 1));
            return manifest;
        }
        catch (IOException ex) when (DiskFullError.Is(ex))
        {
            TryDelete(temp);
            throw DiskFullError.Describe(ex, output, QuotedPath(ex.Message) ?? writing);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes this library's model folder (graphs, genai_config.json, optional mask decoder, tokenizer files, manifest) into <paramref name="temp"/>.</summary>
    private static PaliGemmaManifest WriteModelFolder(
        string temp, string input, PaliGemmaConfig config, ICheckpointReader weights, ConvertOptions options, IModelGraphExporter exporter, PaliGemmaTokenIds ids, int contextLength,
        VqVaeDecoderWeights? maskWeights, PaliGemmaManifest manifest, ref string writing)
    {
        IProgress<ExportProgress>? progress = options.Progress;
        var files = new PaliGemmaModelFiles();
        writing = Path.Combine(temp, files.Vision);
        exporter.ExportVision(config, weights, writing, options.VisionPrecision!.Value, options.Int4, progress);
        DecoderExportOptions decoder = options.Decoder ?? new DecoderExportOptions();
        writing = Path.Combine(temp, files.Decoder);
        exporter.ExportDecoder(config, weights, writing, options.Precision!.Value, decoder with { Int4 = options.Int4 ?? decoder.Int4 }, progress);
        writing = Path.Combine(temp, ModelFileNames.GenAiConfig);
        exporter.WriteGenAiConfig(config, temp, contextLength, [ids.Eos, .. ids.ExtraStop]);
        if (maskWeights is not null)
        {
            progress?.Report(new ExportProgress("mask_decoder", 0, 1));
            files = files with { MaskDecoder = ModelFileNames.MaskDecoder };
            writing = Path.Combine(temp, ModelFileNames.MaskDecoder);
            MaskDecoderExporter.Export(maskWeights, writing);
            progress?.Report(new ExportProgress("mask_decoder", 1, 1));
        }

        CopyTokenizerFiles(input, temp, ref writing);

        manifest = manifest with { Files = files };
        writing = Path.Combine(temp, PaliGemmaManifest.FileName);
        WriteManifest(writing, manifest);
        return manifest;
    }

    private static void CopyTokenizerFiles(string input, string temp, ref string writing)
    {
        foreach (string file in TokenizerFiles)
        {
            string source = Path.Combine(input, file);
            if (File.Exists(source))
            {
                writing = Path.Combine(temp, file);
                File.Copy(source, writing);
            }
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
        Architecture = config.Generation == 2 ? PaliGemmaManifest.PaliGemma2Architecture : PaliGemmaManifest.PaliGemmaArchitecture,
        ImageSize = config.Vision.ImageSize,
        PatchSize = config.Vision.PatchSize,
        NumImageTokens = config.Vision.NumPatches,
        TextHiddenSize = config.Text.HiddenSize,
        VocabSize = config.Text.VocabSize,
        MaxSequenceLength = contextLength,
        Precision = options.Precision switch
        {
            ModelPrecision.Float16 => PaliGemmaManifest.Float16Precision,
            ModelPrecision.Int4 => PaliGemmaManifest.Int4Precision,
            _ => PaliGemmaManifest.Float32Precision,
        },
        TokenIds = ids,
        Source = new PaliGemmaModelSource
        {
            CheckpointSha256 = hash,
            Converter = ConverterVersion,
            Description = options.Description,
        },
    };

    /// <summary>Loads and validates every run-time adapter (names checked) before anything is written.</summary>
    private static RuntimeAdapterSet LoadRuntimeAdapters(ConvertOptions options, PaliGemmaConfig config)
    {
        var set = new RuntimeAdapterSet();
        try
        {
            foreach ((string name, string directory) in options.RuntimeLoraAdapters ?? new Dictionary<string, string>())
            {
                if (!PaliGemmaAdapterFiles.IsValidName(name))
                {
                    throw new LoraAdapterException("name", name, $"Run-time adapter name '{name}' is not allowed: use a letter or digit followed by up to 63 letters, digits, '_', '-' or '.'.");
                }

                if (set.Adapters.Keys.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new LoraAdapterException("name", name, $"Run-time adapter name '{name}' is given twice (names are compared ignoring case: they become file names).");
                }

                set.Adapters.Add(name, LoraAdapter.Load(directory, config));
            }

            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>The run-time adapters of a conversion, disposed together.</summary>
    private sealed class RuntimeAdapterSet : IDisposable
    {
        public Dictionary<string, LoraAdapter> Adapters { get; } = new(StringComparer.Ordinal);

        public int Count => Adapters.Count;

        public void Dispose()
        {
            foreach (LoraAdapter adapter in Adapters.Values)
            {
                adapter.Dispose();
            }
        }
    }

    /// <summary>Reads and validates the VQ-VAE weights before any graph is written; every failure names the file.</summary>
    private static VqVaeDecoderWeights ReadMaskDecoder(string npzPath)
    {
        string path = Path.GetFullPath(npzPath);
        try
        {
            return VqVaeDecoderWeights.Load(path);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or KeyNotFoundException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CheckpointException($"Mask decoder weights '{path}' cannot be used (expected big_vision's vae-oid.npz): {ex.Message}", ex);
        }
    }

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

    /// <summary>The last <c>'…'</c> path in a .NET I/O message (it names the file the failing call wrote), if any.</summary>
    private static string? QuotedPath(string message)
    {
        int end = message.LastIndexOf('\'');
        int start = end > 0 ? message.LastIndexOf('\'', end - 1) : -1;
        return start >= 0 && end - start > 1 && Path.IsPathRooted(message[(start + 1)..end]) ? message[(start + 1)..end] : null;
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
