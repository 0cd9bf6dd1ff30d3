using Microsoft.ML.OnnxRuntimeGenAI;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// ONNX Runtime GenAI's own streaming detokeniser, used only when <c>tokenizer.json</c> has a decoder chain that
/// <see cref="Detokenization.Detokenizer"/> does not implement. Padding, begin- and end-of-sequence ids are dropped.
/// </summary>
internal sealed class GenAiTextStream : ITextStream
{
    private readonly TokenizerStream _stream;
    private readonly Func<int, bool> _isDropped;

    /// <summary>Wraps a native stream.</summary>
    /// <param name="stream">The stream (owned).</param>
    /// <param name="isDropped">Ids to drop.</param>
    public GenAiTextStream(TokenizerStream stream, Func<int, bool> isDropped)
    {
        _stream = stream;
        _isDropped = isDropped;
    }

    /// <inheritdoc />
    public string Append(int tokenId) => _isDropped(tokenId) ? string.Empty : _stream.Decode(tokenId);

    /// <inheritdoc />
    public string Flush() => string.Empty;

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
