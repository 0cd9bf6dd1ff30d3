using System.Text.Json;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// The files of a model folder (DESIGN §5) with the manifest read and checked: every path is resolved inside the
/// folder and every required file exists and is non-empty. Problems surface as one
/// <see cref="PaliGemmaModelException"/> naming the file.
/// </summary>
internal sealed class ModelFolder
{
    private ModelFolder(string root, PaliGemmaManifest manifest)
    {
        Root = root;
        Manifest = manifest;
        ManifestPath = Path.Combine(root, ModelFileNames.Manifest);
        GenAiConfigPath = Path.Combine(root, ModelFileNames.GenAiConfig);
        TokenizerConfigPath = Path.Combine(root, ModelFileNames.TokenizerConfig);
        VisionPath = Resolve(root, manifest.Files.Vision, "files.vision");
        DecoderPath = Resolve(root, manifest.Files.Decoder, "files.decoder");
        TokenizerPath = Resolve(root, manifest.Files.Tokenizer, "files.tokenizer");
        MaskDecoderPath = manifest.Files.MaskDecoder is { } mask ? Resolve(root, mask, "files.mask_decoder") : null;
        var adapters = new Dictionary<string, AdapterPaths>(StringComparer.Ordinal);
        foreach (PaliGemmaAdapterFiles? adapter in manifest.Files.Adapters ?? [])
        {
            string manifestPath = Path.Combine(root, ModelFileNames.Manifest);
            if (adapter is null || !PaliGemmaAdapterFiles.IsValidName(adapter.Name))
            {
                throw new PaliGemmaModelException(manifestPath, $"files.adapters holds an adapter named '{adapter?.Name}'; names are a letter or digit followed by up to 63 letters, digits, '_', '-' or '.'.", null);
            }

            if (adapters.ContainsKey(adapter.Name))
            {
                throw new PaliGemmaModelException(manifestPath, $"files.adapters lists '{adapter.Name}' twice.", null);
            }

            if (adapter.Vision is null && adapter.Decoder is null)
            {
                throw new PaliGemmaModelException(manifestPath, $"files.adapters '{adapter.Name}' names no file (vision or decoder).", null);
            }

            string key = $"files.adapters['{adapter.Name}']";
            adapters.Add(adapter.Name, new AdapterPaths(
                adapter.Vision is { } v ? Resolve(root, v, key + ".vision") : null,
                adapter.Decoder is { } d ? Resolve(root, d, key + ".decoder") : null));
        }

        Adapters = adapters;
    }

    /// <summary>Full paths of a run-time adapter's files (null where it changes nothing in that graph).</summary>
    /// <param name="Vision">The adapter for the vision graph.</param>
    /// <param name="Decoder">The adapter for the decoder graph.</param>
    internal sealed record AdapterPaths(string? Vision, string? Decoder);

    /// <summary>The run-time adapters of the folder by name (files.adapters); empty when it has none.</summary>
    public IReadOnlyDictionary<string, AdapterPaths> Adapters { get; }

    /// <summary>The full path of the folder.</summary>
    public string Root { get; }

    /// <summary>The validated manifest.</summary>
    public PaliGemmaManifest Manifest { get; }

    /// <summary>Full path of paligemma.json.</summary>
    public string ManifestPath { get; }

    /// <summary>Full path of genai_config.json.</summary>
    public string GenAiConfigPath { get; }

    /// <summary>Full path of tokenizer_config.json.</summary>
    public string TokenizerConfigPath { get; }

    /// <summary>Full path of the vision graph.</summary>
    public string VisionPath { get; }

    /// <summary>Full path of the decoder graph.</summary>
    public string DecoderPath { get; }

    /// <summary>Full path of tokenizer.json.</summary>
    public string TokenizerPath { get; }

    /// <summary>Full path of the optional mask decoder graph, or null.</summary>
    public string? MaskDecoderPath { get; }

    /// <summary>Opens a folder: reads and checks the manifest, then checks that every file it names is present.</summary>
    /// <exception cref="ArgumentException">The path is null, empty or whitespace.</exception>
    /// <exception cref="PaliGemmaModelException">The folder, the manifest or a file is missing or invalid.</exception>
    public static ModelFolder Open(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        string root = Path.GetFullPath(modelPath);
        if (File.Exists(root))
        {
            throw new PaliGemmaModelException(root, "this is a file; pass the model folder that holds paligemma.json.", null);
        }

        if (!Directory.Exists(root))
        {
            throw new PaliGemmaModelException(root, "the model folder does not exist.", null);
        }

        string manifestPath = Path.Combine(root, ModelFileNames.Manifest);
        PaliGemmaManifest manifest = ReadManifest(manifestPath);
        ManifestValidator.Validate(manifest, manifestPath);

        var folder = new ModelFolder(root, manifest);
        RequireFile(folder.GenAiConfigPath, "the ONNX Runtime GenAI configuration");
        RequireFile(folder.VisionPath, "the vision graph (files.vision)");
        RequireFile(folder.DecoderPath, "the decoder graph (files.decoder)");
        RequireFile(folder.TokenizerPath, "the tokenizer (files.tokenizer)");
        RequireFile(folder.TokenizerConfigPath, "the tokenizer configuration ONNX Runtime GenAI reads with tokenizer.json");
        if (!string.Equals(Path.GetFileName(folder.TokenizerPath), ModelFileNames.Tokenizer, StringComparison.Ordinal))
        {
            throw new PaliGemmaModelException(manifestPath, $"files.tokenizer is '{manifest.Files.Tokenizer}', but ONNX Runtime GenAI only loads '{ModelFileNames.Tokenizer}' from the model folder.", null);
        }

        if (folder.MaskDecoderPath is not null)
        {
            RequireFile(folder.MaskDecoderPath, "the mask decoder graph (files.mask_decoder)");
        }

        foreach ((string name, AdapterPaths paths) in folder.Adapters)
        {
            foreach (string? file in new[] { paths.Vision, paths.Decoder })
            {
                if (file is not null)
                {
                    RequireFile(file, $"the run-time adapter '{name}' (files.adapters)");
                }
            }
        }

        return folder;
    }

    /// <summary>Reads and deserialises a manifest file.</summary>
    internal static PaliGemmaManifest ReadManifest(string manifestPath)
    {
        if (!File.Exists(manifestPath))
        {
            throw new PaliGemmaModelException(manifestPath, $"the manifest is missing; every model folder needs a {ModelFileNames.Manifest} (see docs/model-format.md).", null);
        }

        try
        {
            using var stream = File.OpenRead(manifestPath);
            if (stream.Length == 0)
            {
                throw new PaliGemmaModelException(manifestPath, "the manifest is empty.", null);
            }

            return JsonSerializer.Deserialize(stream, PaliGemmaManifestJsonContext.Default.PaliGemmaManifest)
                ?? throw new PaliGemmaModelException(manifestPath, "the manifest is JSON null, expected an object.", null);
        }
        catch (JsonException ex)
        {
            throw new PaliGemmaModelException(manifestPath, $"the manifest is not a valid {ModelFileNames.Manifest}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new PaliGemmaModelException(manifestPath, $"the manifest cannot be read: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PaliGemmaModelException(manifestPath, $"the manifest cannot be read: {ex.Message}", ex);
        }
    }

    private static void RequireFile(string path, string what)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new PaliGemmaModelException(path, $"{what} is missing.", null);
        }

        if (info.Length == 0)
        {
            throw new PaliGemmaModelException(path, $"{what} is empty (0 bytes).", null);
        }
    }

    private static string Resolve(string root, string fileName, string key)
    {
        string manifestPath = Path.Combine(root, ModelFileNames.Manifest);
        if (string.IsNullOrWhiteSpace(fileName) || Path.IsPathRooted(fileName)
            || fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal)
            || fileName is "." or "..")
        {
            throw new PaliGemmaModelException(manifestPath, $"{key} must be a plain file name inside the model folder, not '{fileName}'.", null);
        }

        return Path.Combine(root, fileName);
    }
}
