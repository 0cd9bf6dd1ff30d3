namespace PaliGemma.Cli.Evaluation;

/// <summary>A <c>scenes.jsonl</c> line or a ground-truth mask that cannot be used; the message names the file (and line).</summary>
internal sealed class SceneSetFormatException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong, naming the file and line.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public SceneSetFormatException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
