
namespace PaliGemma.AI.Runtime;

/// <summary>
/// Incremental detokeniser for streaming: turns generated token ids into text pieces one at a time. The pieces of
/// a stream, followed by <see cref="Flush"/>, concatenate to exactly <see cref="PaliGemmaModel.Decode"/> of the
/// same ids. Made by <see cref="PaliGemmaModel.CreateTextDecoder"/>; one instance per stream, not thread-safe.
/// </summary>
/// <remarks>
/// Byte tokens (<c>&lt;0xNN&gt;</c>) are held back until the next other token, because only the whole run of
/// bytes decides whether it is valid UTF-8 (its text) or not (one U+FFFD per byte); the text after such a run is
/// never changed.
/// </remarks>
public sealed class PaliGemmaTextDecoder : IDisposable
{
    private readonly ITextStream _stream;
    private readonly Func<bool> _modelDisposed;
    private bool _disposed;

    internal PaliGemmaTextDecoder(ITextStream stream, Func<bool> modelDisposed)
    {
        _stream = stream;
        _modelDisposed = modelDisposed;
    }

    /// <summary>
    /// Adds one token and returns the text it completes. Returns <c>""</c> while byte tokens are held back and for
    /// padding, begin- and end-of-sequence tokens; <c>&lt;locNNNN&gt;</c> and <c>&lt;segNNN&gt;</c> tokens come
    /// back as their text.
    /// </summary>
    /// <param name="tokenId">The next generated token id.</param>
    /// <returns>The new text piece, possibly empty.</returns>
    /// <exception cref="ObjectDisposedException">The decoder or its model was disposed.</exception>
    public string Append(int tokenId)
    {
        ThrowIfDisposed();
        return _stream.Append(tokenId);
    }

    /// <summary>
    /// Ends the text: returns what is still held back (for example byte tokens at the very end, as their text or
    /// as U+FFFD per byte). Call it once after the last token; tokens appended afterwards start a new text.
    /// </summary>
    /// <returns>The remaining text, possibly empty.</returns>
    /// <exception cref="ObjectDisposedException">The decoder or its model was disposed.</exception>
    public string Flush()
    {
        ThrowIfDisposed();
        return _stream.Flush();
    }

    /// <summary>Frees the detokeniser state.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stream.Dispose();
        }
    }

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_modelDisposed())
        {
            throw new ObjectDisposedException(nameof(PaliGemmaModel));
        }
    }
}
