namespace PaliGemma.AI;

/// <summary>
/// An image reference passed by an LLM could not be used. The tools turn it into an error result
/// (<c>{"error": message, "code": code}</c>) instead of failing the agent loop.
/// </summary>
public sealed class ImageReferenceException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="code">One of <see cref="PaliGemmaToolErrorCodes"/>.</param>
    /// <param name="message">What was wrong, phrased for the LLM.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ImageReferenceException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    /// <summary>Initializes a new instance with the <see cref="PaliGemmaToolErrorCodes.InvalidReference"/> code.</summary>
    public ImageReferenceException()
        : this(PaliGemmaToolErrorCodes.InvalidReference, "The image reference is invalid.")
    {
    }

    /// <summary>Initializes a new instance with the <see cref="PaliGemmaToolErrorCodes.InvalidReference"/> code.</summary>
    /// <param name="message">What was wrong.</param>
    public ImageReferenceException(string message)
        : this(PaliGemmaToolErrorCodes.InvalidReference, message)
    {
    }

    /// <summary>Initializes a new instance with the <see cref="PaliGemmaToolErrorCodes.InvalidReference"/> code.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ImageReferenceException(string message, Exception? innerException)
        : this(PaliGemmaToolErrorCodes.InvalidReference, message, innerException)
    {
    }

    /// <summary>Gets the error code (one of <see cref="PaliGemmaToolErrorCodes"/>).</summary>
    public string Code { get; }
}
