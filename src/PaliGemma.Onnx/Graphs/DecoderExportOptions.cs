namespace PaliGemma.Onnx.Graphs;

/// <summary>Variants of the decoder graph.</summary>
public sealed record DecoderExportOptions
{
    /// <summary>
    /// Gets a value indicating whether <c>logits</c> covers only the last input position ([batch, 1, vocab]) instead of
    /// every position ([batch, seq, vocab]). ONNX Runtime GenAI recognises the static 1 and samples from it directly;
    /// it saves the prompt-length × vocabulary logits of the prefill (≈ 4 GB for a 896 px prompt). Default false.
    /// </summary>
    public bool LastTokenLogitsOnly { get; init; }
}
