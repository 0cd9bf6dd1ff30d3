namespace PaliGemma.AI.Runtime;

/// <summary>A streaming detokeniser behind <see cref="PaliGemmaTextDecoder"/>.</summary>
internal interface ITextStream : IDisposable
{
    /// <summary>Adds one token id and returns the text that is now final, possibly empty.</summary>
    /// <param name="tokenId">The id.</param>
    /// <returns>The new text.</returns>
    string Append(int tokenId);

    /// <summary>Ends the text: returns whatever was held back and resets the stream.</summary>
    /// <returns>The remaining text, possibly empty.</returns>
    string Flush();
}
