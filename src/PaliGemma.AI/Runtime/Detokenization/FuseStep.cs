namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>
/// The <c>Fuse</c> decoder: joins all tokens into one. It changes nothing in the concatenated text, but the steps
/// after it see the whole text as a single token (which matters for <see cref="StripStep"/>).
/// </summary>
internal sealed class FuseStep : DecodeStep, IDecodeStage
{
    /// <inheritdoc />
    public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];

    /// <inheritdoc />
    public override IDecodeStage CreateStage() => this;

    /// <inheritdoc />
    public void Push(string token, List<string> output) => output.Add(token);

    /// <inheritdoc />
    public void Flush(List<string> output)
    {
    }
}
