using System.Reflection;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Graphs;

/// <summary>Argument and configuration checks shared by the exporters.</summary>
internal static class ExportGuard
{
    /// <summary>Gets the producer version written into each model.</summary>
    public static string ProducerVersion { get; } =
        typeof(ExportGuard).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>Checks the common arguments and creates the output folder.</summary>
    public static void Arguments(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        if (!Enum.IsDefined(precision))
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision.");
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
    }

    /// <summary>Throws <see cref="CheckpointException"/> when <paramref name="condition"/> is false.</summary>
    public static void Config(bool condition, string message)
    {
        if (!condition)
        {
            throw new CheckpointException("Invalid PaliGemma configuration: " + message);
        }
    }

    /// <summary>Runs <paramref name="export"/>; on failure deletes the partial graph and data file, then rethrows.</summary>
    public static void Atomically(string onnxPath, Action export) => Atomically(onnxPath, GraphBuilding.OnnxGraphBuilder.DefaultDataPath(onnxPath), export);

    /// <summary>Runs <paramref name="export"/>; on failure deletes the partial graph and <paramref name="dataPath"/>, then rethrows.</summary>
    public static void Atomically(string onnxPath, string dataPath, Action export)
    {
        try
        {
            export();
        }
        catch
        {
            TryDelete(onnxPath);
            TryDelete(dataPath);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
