namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>One stream's state of a <see cref="Detokenizer"/>: the decoder chain's stages. Not thread-safe.</summary>
internal sealed class DetokenizerStream : ITextStream
{
    private readonly Detokenizer _owner;
    private readonly IDecodeStage[] _stages;

    /// <summary>Creates the stream.</summary>
    /// <param name="owner">The detokeniser.</param>
    /// <param name="stages">A fresh stage per decoder step, in order.</param>
    public DetokenizerStream(Detokenizer owner, IDecodeStage[] stages)
    {
        _owner = owner;
        _stages = stages;
    }

    /// <inheritdoc />
    public string Append(int tokenId)
    {
        if (_owner.PieceOf(tokenId) is not string piece)
        {
            return string.Empty;
        }

        List<string> current = [piece];
        foreach (IDecodeStage stage in _stages)
        {
            var next = new List<string>(current.Count);
            foreach (string token in current)
            {
                stage.Push(token, next);
            }

            current = next;
        }

        return string.Concat(current);
    }

    /// <inheritdoc />
    public string Flush()
    {
        List<string> current = [];
        foreach (IDecodeStage stage in _stages)
        {
            var next = new List<string>(current.Count);
            foreach (string token in current)
            {
                stage.Push(token, next);
            }

            stage.Flush(next);
            current = next;
        }

        return string.Concat(current);
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
