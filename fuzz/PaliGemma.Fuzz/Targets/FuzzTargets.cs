using SharpFuzz;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The fuzz targets by name. Each target lets through only the exceptions the API documents for bad input; any other
/// exception, or a broken invariant (<see cref="InvariantException"/>), is a finding.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Every target, by the name fuzz/run.sh takes.</summary>
    public static IReadOnlyDictionary<string, ReadOnlySpanAction> All { get; } = new Dictionary<string, ReadOnlySpanAction>(StringComparer.Ordinal)
    {
        ["image"] = ImageTarget.Run,
        ["parser"] = ParserTarget.Run,
        ["prompt"] = PromptTarget.Run,
        ["safetensors"] = SafetensorsTarget.Run,
        ["config"] = ConfigTarget.Run,
        ["npz"] = NpzTarget.Run,
        ["resolver"] = ResolverTarget.Run,
        ["onnx"] = OnnxInputsTarget.Run,
        ["modelconfig"] = ModelConfigTarget.Run,
        ["grammar"] = GrammarTarget.Run,
    };
}

/// <summary>A property the code under test promises was broken.</summary>
internal sealed class InvariantException(string message) : Exception(message);
