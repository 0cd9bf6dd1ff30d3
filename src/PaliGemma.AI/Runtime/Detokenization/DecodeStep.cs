namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>
/// One step of a Hugging Face <c>tokenizers</c> decoder chain (the <c>decoder</c> of <c>tokenizer.json</c>). A step
/// has two forms that must agree: <see cref="DecodeChain"/> transforms the whole token list at once, as the
/// library does for a batch decode, and <see cref="CreateStage"/> makes a streaming stage that sees one token at a
/// time. Concatenating a stage's output always gives the concatenation of <see cref="DecodeChain"/>'s output.
/// </summary>
internal abstract class DecodeStep
{
    /// <summary>Transforms the whole token list (batch decode).</summary>
    /// <param name="tokens">The tokens from the previous step.</param>
    /// <returns>The tokens for the next step.</returns>
    public abstract List<string> DecodeChain(List<string> tokens);

    /// <summary>Creates this step's state for one stream.</summary>
    /// <returns>A new stage.</returns>
    public abstract IDecodeStage CreateStage();
}

/// <summary>A streaming decoder step: receives tokens one at a time and may hold some back until more arrive.</summary>
internal interface IDecodeStage
{
    /// <summary>Adds one token; appends whatever text is now final to <paramref name="output"/>.</summary>
    /// <param name="token">The token.</param>
    /// <param name="output">Receives zero or more tokens.</param>
    void Push(string token, List<string> output);

    /// <summary>Ends the text: appends everything still held back and resets the stage.</summary>
    /// <param name="output">Receives zero or more tokens.</param>
    void Flush(List<string> output);
}

/// <summary>A step that maps every token on its own, with no state.</summary>
internal abstract class MapStep : DecodeStep, IDecodeStage
{
    /// <summary>Maps one token.</summary>
    /// <param name="token">The token.</param>
    /// <returns>The mapped token.</returns>
    public abstract string Map(string token);

    /// <inheritdoc />
    public override List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(Map);

    /// <inheritdoc />
    public override IDecodeStage CreateStage() => this;

    /// <inheritdoc />
    public void Push(string token, List<string> output) => output.Add(Map(token));

    /// <inheritdoc />
    public void Flush(List<string> output)
    {
    }
}
