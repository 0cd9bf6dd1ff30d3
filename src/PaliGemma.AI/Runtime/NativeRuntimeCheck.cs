namespace PaliGemma.AI.Runtime;

/// <summary>
/// Turns "the native ONNX Runtime (GenAI) library is not there" into a <see cref="PaliGemmaModelException"/> that says
/// which package to add. PaliGemma.AI references only the managed runtime packages (so an application picks CPU or
/// CUDA); without a native package the first native call throws <see cref="DllNotFoundException"/>, often wrapped in a
/// <see cref="TypeInitializationException"/> by the runtime's static initialiser.
/// </summary>
internal static class NativeRuntimeCheck
{
    /// <summary>The native package for CPUs.</summary>
    public const string CpuPackage = "Microsoft.ML.OnnxRuntimeGenAI";

    /// <summary>The native package for NVIDIA GPUs.</summary>
    public const string CudaPackage = "Microsoft.ML.OnnxRuntimeGenAI.Cuda";

    /// <summary>Whether <paramref name="exception"/> (or an exception it wraps) says a native library is missing.</summary>
    /// <param name="exception">The exception thrown by a load.</param>
    /// <param name="missing">The innermost <see cref="DllNotFoundException"/>.</param>
    /// <returns>True when a native library could not be loaded.</returns>
    public static bool IsMissingNativeLibrary(Exception exception, out DllNotFoundException? missing)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is DllNotFoundException dll)
            {
                missing = dll;
                return true;
            }
        }

        missing = null;
        return false;
    }

    /// <summary>The exception to throw instead.</summary>
    /// <param name="missing">The loader's exception.</param>
    /// <param name="thrown">What was caught (kept as the inner exception).</param>
    /// <returns>The exception naming the packages.</returns>
    public static PaliGemmaModelException MissingRuntime(DllNotFoundException missing, Exception thrown)
        => new(
            $"The native ONNX Runtime library could not be loaded ({FirstSentence(missing.Message)}). PaliGemma.AI references " +
            $"only the managed runtime packages; add the native package for your hardware to the application: " +
            $"'dotnet add package {CpuPackage}' for CPUs, or 'dotnet add package {CudaPackage}' for NVIDIA GPUs " +
            "(with ExecutionProvider = \"cuda\").",
            thrown);

    private static string FirstSentence(string message)
    {
        // .NET lists every probed path after the first sentence; the first names the library.
        string first = message.Split('\n', 2)[0];
        int end = first.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? first[..end] : first).TrimEnd('.', ' ', ':');
    }
}
