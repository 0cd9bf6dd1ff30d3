namespace PaliGemma.AI.Runtime;

/// <summary>One token produced by <see cref="PaliGemmaModel.Generate"/>.</summary>
/// <param name="Id">The token id.</param>
/// <param name="IsStop">
/// True for the last item when it is the end-of-sequence token or one of the manifest's extra stop tokens.
/// The stop token is yielded so callers can tell why generation ended; it is not part of the answer text.
/// A sequence without an <see cref="IsStop"/> item ended because it reached its length limit.
/// </param>
public readonly record struct GeneratedToken(int Id, bool IsStop);
