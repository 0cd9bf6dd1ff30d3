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

    /// <summary>Gets the 4-bit settings used when the precision is <see cref="ModelPrecision.Int4"/>; null = defaults.</summary>
    public Quantization.Int4QuantizationOptions? Int4 { get; init; }

    /// <summary>Gets how Gemma 2's sliding window treats the prompt (default <see cref="SlidingWindowMode.Hf"/>).</summary>
    public SlidingWindowMode SlidingWindowMode { get; init; } = SlidingWindowMode.Hf;

    /// <summary>
    /// Gets a value indicating whether the graph takes <c>inputs_embeds</c> [batch, seq, hidden] (text rows already scaled,
    /// image rows merged) and HF's 1-based <c>position_ids</c> plus <c>num_logits_to_keep</c> instead of <c>input_ids</c>,
    /// <c>image_features</c> and 0-based positions: the transformers.js layout's <c>decoder_model_merged</c>.
    /// </summary>
    internal bool InputsEmbeds { get; init; }

    /// <summary>TEST-ONLY mutation switch (see <see cref="DecoderMutation"/>); internal, <see cref="DecoderMutation.None"/> outside tests.</summary>
    internal DecoderMutation Mutation { get; init; }
}

/// <summary>
/// Semantics of Gemma 2's sliding window on local (even) layers. They differ only when a prompt is longer than the
/// window (PaliGemma 2 at 896 px) and, for <see cref="Hf"/> vs the others, in which prompt keys the prompt sees.
/// Query index i and key index j are positions in the KV cache.
/// </summary>
public enum SlidingWindowMode
{
    /// <summary>
    /// transformers ≥ 4.53: the prompt (the prefill, no past) is never windowed, its prefix mask wins;
    /// a generated token at i sees key j only when <c>i − j &lt; window</c>.
    /// </summary>
    Hf,

    /// <summary>Older transformers (4.4x, <c>tril(diagonal = −window)</c>): key j is hidden from any query i when <c>i − j ≥ window</c>, prompt included.</summary>
    HfLegacy,

    /// <summary>big_vision / Google's JAX Gemma: key j is visible only when <c>|i − j| &lt; window</c>, prompt included.</summary>
    Symmetric,
}
