namespace PaliGemma.AI.Runtime;

/// <summary>
/// A model folder could not be loaded or used: a file is missing, empty, unreadable or inconsistent with the
/// manifest. The message names the file and the problem.
/// </summary>
public sealed class PaliGemmaModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PaliGemmaModelException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public PaliGemmaModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PaliGemmaModelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a file of a model folder.</summary>
    /// <param name="filePath">The file (or folder) that is wrong.</param>
    /// <param name="message">What is wrong with it; the file path is prefixed.</param>
    /// <param name="innerException">The cause, or null.</param>
    public PaliGemmaModelException(string? filePath, string message, Exception? innerException)
        : base(filePath is null ? message : $"{filePath}: {message}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The full path of the file (or folder) at fault, if known.</summary>
    public string? FilePath { get; }
}
