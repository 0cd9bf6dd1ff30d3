namespace PaliGemma.AI;

/// <summary>
/// Thrown when an image cannot be used as model input: it is empty, in an unknown format, corrupt or truncated,
/// or exceeds a limit of <see cref="ImageLoadOptions"/>. The message names the reason and the figures involved.
/// </summary>
public sealed class PaliGemmaImageException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PaliGemmaImageException"/> class.</summary>
    public PaliGemmaImageException()
        : this(ImageErrorReason.Corrupt, "The image could not be loaded.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PaliGemmaImageException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    public PaliGemmaImageException(string message)
        : this(ImageErrorReason.Corrupt, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PaliGemmaImageException"/> class.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public PaliGemmaImageException(string message, Exception innerException)
        : this(ImageErrorReason.Corrupt, message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PaliGemmaImageException"/> class.</summary>
    /// <param name="reason">Why the image could not be loaded.</param>
    /// <param name="message">The message that describes the error, naming the bad value.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public PaliGemmaImageException(ImageErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Gets why the image could not be loaded.</summary>
    public ImageErrorReason Reason { get; }
}
