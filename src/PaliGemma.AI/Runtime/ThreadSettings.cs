namespace PaliGemma.AI.Runtime;

/// <summary>
/// The intra-op thread count and spinning choice a model is loaded with, resolved from
/// <see cref="PaliGemmaModelOptions"/>: an explicit count is kept; 0 means the available cores divided by the
/// concurrent generations.
/// </summary>
/// <param name="IntraOpThreads">Threads per session (≥ 1).</param>
/// <param name="AllowSpinning">Whether ONNX Runtime's worker threads spin before sleeping.</param>
/// <param name="Automatic">True when <see cref="IntraOpThreads"/> was derived from the cores (the option was 0).</param>
/// <param name="AvailableCores">The cores the process may use, as seen at load.</param>
internal readonly record struct ThreadSettings(int IntraOpThreads, bool AllowSpinning, bool Automatic, int AvailableCores)
{
    /// <summary>
    /// The default for <see cref="PaliGemmaModelOptions.AllowSpinning"/>: off. Measured with
    /// <c>paligemma bench --sweep-threads</c> (docs/performance.md): spinning workers did not make prefill or decode
    /// faster, and they burn the cores that concurrent requests or other processes need.
    /// </summary>
    public const bool DefaultAllowSpinning = false;

    /// <summary>Resolves the settings.</summary>
    /// <param name="requestedThreads">The option's value (0 = automatic).</param>
    /// <param name="concurrentGenerations">Generations running at once (≥ 1).</param>
    /// <param name="allowSpinning">The option's spinning choice, or null for the default.</param>
    /// <param name="availableCores">The cores available to the process (normally <see cref="Environment.ProcessorCount"/>).</param>
    /// <returns>The settings.</returns>
    public static ThreadSettings Resolve(int requestedThreads, int concurrentGenerations, bool? allowSpinning, int availableCores)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requestedThreads);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrentGenerations, 1);
        int cores = Math.Max(1, availableCores);
        bool automatic = requestedThreads == 0;
        int threads = automatic ? Math.Max(1, cores / concurrentGenerations) : requestedThreads;
        return new ThreadSettings(threads, allowSpinning ?? DefaultAllowSpinning, automatic, cores);
    }
}
