namespace PaliGemma.AI;

/// <summary>
/// Thrown when a <see cref="PaliGemmaChatClient"/> request finds all generation slots busy and the wait queue at
/// <see cref="PaliGemmaChatClientOptions.MaxQueueLength"/>. The request did no work; retry later (an HTTP host
/// would answer 429 or 503).
/// </summary>
public sealed class PaliGemmaQueueFullException : InvalidOperationException
{
    /// <summary>Initializes a new instance with a default message.</summary>
    public PaliGemmaQueueFullException()
        : base("The PaliGemma request queue is full.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public PaliGemmaQueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PaliGemmaQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
