using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// The figures of one <see cref="PaliGemmaChatClient"/> request: where its time went and whether its image's vision
/// features were reused. The client attaches them to the last streaming update's
/// <see cref="ChatResponseUpdate.AdditionalProperties"/> under <see cref="PropertyName"/> (a <see cref="ChatResponse"/>
/// made from the updates carries them in its message's additional properties; read either with <see cref="From(ChatResponseUpdate)"/>
/// or <see cref="From(ChatResponse)"/>), and hands them to the observer of <see cref="Observe"/> when one is set on the calling flow.
/// </summary>
/// <param name="QueueWait">Time spent waiting for a generation slot.</param>
/// <param name="ImageFeatures">Time to get the image's vision features once admitted: reading and decoding the image, preprocessing and running the vision encoder, or the cache lookup when reused.</param>
/// <param name="ImageFeaturesReused">Whether the features came from the cache (or from an encoding of the same image already running for another request) instead of a vision-encoder run of this request.</param>
/// <param name="TimeToFirstToken">Time from the request entering the client (queue wait and vision included) to its first generated token, or null when no token was generated.</param>
/// <param name="Duration">Time from the request entering the client to its last token.</param>
/// <param name="InputTokens">Prompt tokens, image tokens included.</param>
/// <param name="OutputTokens">Generated tokens, a stop token included.</param>
public sealed record PaliGemmaRequestMetrics(
    TimeSpan QueueWait,
    TimeSpan ImageFeatures,
    bool ImageFeaturesReused,
    TimeSpan? TimeToFirstToken,
    TimeSpan Duration,
    int InputTokens,
    int OutputTokens)
{
    /// <summary>The key of the metrics in <see cref="ChatResponseUpdate.AdditionalProperties"/> and <see cref="ChatResponse.AdditionalProperties"/>.</summary>
    public const string PropertyName = "paligemma.metrics";

    private static readonly AsyncLocal<Action<PaliGemmaRequestMetrics>?> CurrentObserver = new();

    /// <summary>
    /// Gets the decode rate: output tokens after the first, per second of decoding after the first token; null with
    /// fewer than two output tokens.
    /// </summary>
    public double? OutputTokensPerSecond =>
        TimeToFirstToken is { } first && OutputTokens > 1 && Duration > first
            ? (OutputTokens - 1) / (Duration - first).TotalSeconds
            : null;

    /// <summary>Reads the metrics of a streaming update (the last one of a request carries them).</summary>
    /// <param name="update">The update.</param>
    /// <returns>The metrics, or null when the update has none.</returns>
    public static PaliGemmaRequestMetrics? From(ChatResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        return From(update.AdditionalProperties);
    }

    /// <summary>Reads the metrics of a response: from its additional properties, or else from its messages' (where <c>ToChatResponse</c> puts the updates' properties).</summary>
    /// <param name="response">The response.</param>
    /// <returns>The metrics, or null when there are none (for example from a client that is not a <see cref="PaliGemmaChatClient"/>).</returns>
    public static PaliGemmaRequestMetrics? From(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return From(response.AdditionalProperties) ?? response.Messages.Reverse().Select(m => From(m.AdditionalProperties)).FirstOrDefault(m => m is not null);
    }

    /// <summary>Reads the metrics from additional properties (of an update, a response or a message).</summary>
    /// <param name="properties">The additional properties (may be null).</param>
    /// <returns>The metrics, or null when there are none (for example from a client that is not a <see cref="PaliGemmaChatClient"/>).</returns>
    public static PaliGemmaRequestMetrics? From(AdditionalPropertiesDictionary? properties) =>
        properties is not null && properties.TryGetValue(PropertyName, out object? value) ? value as PaliGemmaRequestMetrics : null;

    /// <summary>
    /// Calls <paramref name="observer"/> with the metrics of every <see cref="PaliGemmaChatClient"/> request that
    /// completes on the current asynchronous flow (and the flows it starts) until the returned scope is disposed. For
    /// hosts that call the client through layers that do not hand the response back (for example
    /// <see cref="PaliGemmaVision"/> or the vision tools). The previous observer is restored on dispose.
    /// </summary>
    /// <param name="observer">Called on the request's flow when a request completes.</param>
    /// <returns>The scope.</returns>
    public static IDisposable Observe(Action<PaliGemmaRequestMetrics> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var scope = new ObserverScope(CurrentObserver.Value);
        CurrentObserver.Value = observer;
        return scope;
    }

    /// <summary>Hands the metrics of a completed request to the current observer, if any.</summary>
    internal static void Publish(PaliGemmaRequestMetrics metrics) => CurrentObserver.Value?.Invoke(metrics);

    private sealed class ObserverScope(Action<PaliGemmaRequestMetrics>? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                CurrentObserver.Value = previous;
            }
        }
    }
}
