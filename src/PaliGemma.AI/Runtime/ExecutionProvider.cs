namespace PaliGemma.AI.Runtime;

/// <summary>The execution providers the runtime can select.</summary>
internal enum ExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA (needs the native CUDA packages).</summary>
    Cuda,
}

/// <summary>Parses <see cref="PaliGemmaModelOptions.ExecutionProvider"/>.</summary>
internal static class ExecutionProviders
{
    /// <summary>Maps "cpu"/"cuda" (any case) to the enum; anything else is an <see cref="ArgumentException"/>.</summary>
    public static ExecutionProvider Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "cpu" or "" or null => ExecutionProvider.Cpu,
        "cuda" => ExecutionProvider.Cuda,
        _ => throw new ArgumentException($"Execution provider '{name}' is not supported; use \"cpu\" or \"cuda\".", "options"),
    };
}
