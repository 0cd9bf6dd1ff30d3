using Microsoft.ML.OnnxRuntimeGenAI;

namespace PaliGemma.AI;

/// <summary>
/// Incremental detokeniser for streaming: turns generated token ids into text pieces one at a time, holding
/// back bytes of a multi-byte character until it is complete. Made by
/// <see cref="PaliGemmaModel.CreateTextDecoder"/>; one instance per stream, not thread-safe.
/// </summary>
public sealed class PaliGemmaTextDecoder : IDisposable
{
    private readonly TokenizerStream _stream;
    private readonly Func<int, bool> _isDropped;
    private readonly Func<bool> _modelDisposed;
    private bool _disposed;

    internal PaliGemmaTextDecoder(TokenizerStream stream, Func<int, bool> isDropped, Func<bool> modelDisposed)
    {
        _stream = stream;
        _isDropped = isDropped;
        _modelDisposed = modelDisposed;
    }

    /// <summary>
    /// Adds one token and returns the text it completes. Returns <c>""</c> while a multi-byte character is
    /// incomplete and for padding, begin- and end-of-sequence tokens; <c>&lt;locNNNN&gt;</c> and
    /// <c>&lt;segNNN&gt;</c> tokens come back as their text.
    /// </summary>
    /// <param name="tokenId">The next generated token id.</param>
    /// <returns>The new text piece, possibly empty.</returns>
    /// <exception cref="ObjectDisposedException">The decoder or its model was disposed.</exception>
    public string Append(int tokenId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_modelDisposed())
        {
            throw new ObjectDisposedException(nameof(PaliGemmaModel));
        }

        return _isDropped(tokenId) ? string.Empty : _stream.Decode(tokenId);
    }

    /// <summary>Frees the native detokeniser state.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stream.Dispose();
        }
    }
}
