using System.Collections.Concurrent;
using System.Diagnostics;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fixtures;

namespace PaliGemma.Onnx.Tests.Fidelity;

/// <summary>
/// Converts each fixture checkpoint with the real <see cref="PaliGemmaConverter"/> once per test run (per precision
/// and mutation) into one temp folder, deleted when the run ends. The input is a temp copy of the fixture's
/// <c>model/</c> plus a <see cref="FixtureTokenizer"/> (the fixtures ship none).
/// </summary>
public sealed class ConvertedFixtureModels : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pg-fidelity-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<string, Lazy<ConvertedModel>> _models = new();
    private readonly ConcurrentDictionary<string, Lazy<string>> _checkpoints = new();

    internal ConvertedModel Get(string name, ModelPrecision precision, DecoderMutation mutation = DecoderMutation.None) =>
        _models.GetOrAdd($"{name}-{precision}-{mutation}", key => new Lazy<ConvertedModel>(() => Convert(name, key, precision, mutation, null))).Value;

    /// <summary>The fixture checkpoint converted with a PEFT LoRA adapter folder merged in (<see cref="ConvertOptions.LoraAdapterDirectory"/>).</summary>
    internal ConvertedModel GetWithLora(string name, ModelPrecision precision, string adapterDirectory) =>
        _models.GetOrAdd($"{name}-{precision}-lora-{adapterDirectory}", key => new Lazy<ConvertedModel>(() => Convert(name, "lora-" + Guid.NewGuid().ToString("N"), precision, DecoderMutation.None, adapterDirectory))).Value;

    /// <summary>The fixture checkpoint converted with run-time LoRA adapters (<see cref="ConvertOptions.RuntimeLoraAdapters"/>).</summary>
    internal ConvertedModel GetWithRuntimeAdapters(string name, ModelPrecision precision, IReadOnlyDictionary<string, string> adapters) =>
        _models.GetOrAdd($"{name}-{precision}-runtime-{string.Join(";", adapters.Select(a => a.Key + "=" + a.Value))}", key => new Lazy<ConvertedModel>(() => Convert(name, "runtime-" + Guid.NewGuid().ToString("N"), precision, DecoderMutation.None, null, adapters))).Value;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private ConvertedModel Convert(string name, string key, ModelPrecision precision, DecoderMutation mutation, string? lora, IReadOnlyDictionary<string, string>? runtime = null)
    {
        string input = _checkpoints.GetOrAdd(name, n => new Lazy<string>(() => CopyCheckpoint(n))).Value;
        string output = Path.Combine(_root, "models", key);
        var watch = Stopwatch.StartNew();
        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = input,
            OutputDirectory = output,
            Precision = precision,
            ModelId = name,
            Decoder = mutation == DecoderMutation.None ? null : new DecoderExportOptions { Mutation = mutation },
            LoraAdapterDirectory = lora,
            RuntimeLoraAdapters = runtime,
        });
        return new ConvertedModel(output, manifest, watch.Elapsed);
    }

    private string CopyCheckpoint(string name)
    {
        ReferenceFixture fixture = ReferenceFixture.Load(name);
        string folder = Path.Combine(_root, "checkpoints", name);
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(fixture.CheckpointFolderPath))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        FixtureTokenizer.Write(folder, fixture);
        return folder;
    }
}

/// <summary>A converted model folder.</summary>
internal sealed record ConvertedModel(string Folder, PaliGemmaManifest Manifest, TimeSpan ConvertTime)
{
    public string Vision => Path.Combine(Folder, "vision.onnx");

    public string Decoder => Path.Combine(Folder, "decoder.onnx");
}

/// <summary>The fidelity test classes share one conversion cache.</summary>
[CollectionDefinition(Name)]
public sealed class FidelityCollection : ICollectionFixture<ConvertedFixtureModels>
{
    public const string Name = "Fidelity";
}
