namespace PaliGemma.Onnx.Graphs;

/// <summary>
/// TEST-ONLY. Deliberately wrong decoder graphs (issue 5, part 4: mutation checks) that show the fidelity tests
/// fail on the mistakes they are meant to catch. Internal (visible to the test project only); never set by the
/// public API or the CLI, where it is always <see cref="None"/>.
/// </summary>
internal enum DecoderMutation
{
    /// <summary>The correct graph.</summary>
    None,

    /// <summary>
    /// RoPE on ONNX Runtime GenAI's 0-based positions instead of HF's 1-based ones. An equivalent mutant: RoPE
    /// scores depend only on the distance between query and key positions, so a constant offset changes nothing
    /// beyond float rounding (the tests show it).
    /// </summary>
    ZeroBasedPositions,

    /// <summary>Positions restart at 0 in every call (the past length ignored), so decode steps get wrong positions.</summary>
    PositionsIgnorePast,

    /// <summary>A causal mask inside the prompt instead of PaliGemma's bidirectional prefix.</summary>
    CausalPromptMask,

    /// <summary>Text embeddings not multiplied by sqrt(hidden).</summary>
    NoEmbeddingScaling,

    /// <summary>Gemma 1: <c>input_layernorm</c> and <c>post_attention_layernorm</c> (the pre-MLP norm) swapped.</summary>
    SwapGemma1Norms,
}
