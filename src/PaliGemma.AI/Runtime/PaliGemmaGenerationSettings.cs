using PaliGemma.AI.Constraints;

namespace PaliGemma.AI.Runtime;

/// <summary>How one generation runs: length limit and search (greedy by default).</summary>
public sealed record PaliGemmaGenerationSettings
{
    /// <summary>Most tokens to generate (the stop token included); at least 1. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Sampling temperature; 0 (default) selects greedy search.</summary>
    public float Temperature { get; init; }

    /// <summary>Keep only the K most likely tokens when sampling; 0 = no limit.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling probability mass in (0, 1]; 1 (default) = no limit.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Random seed for sampling; null = nondeterministic.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// A grammar the output must follow (constrained decoding), from <see cref="PaliGemmaModel.CreateOutputConstraint"/>
    /// of the same model; null (default) = unconstrained.
    /// </summary>
    public PaliGemmaOutputConstraint? Constraint { get; init; }

    /// <summary>
    /// The run-time LoRA adapter to apply (a name from <see cref="PaliGemmaModel.AdapterNames"/>, converted with
    /// <c>paligemma convert --lora-adapter NAME=DIR</c>), or null (default) for the base model. The image features must come
    /// from <see cref="PaliGemmaModel.EncodeImage"/> with the same adapter.
    /// </summary>
    public string? Adapter { get; init; }

    /// <summary>True when these settings sample (temperature above 0); false for greedy search.</summary>
    public bool IsSampling => Temperature > 0f;
}
