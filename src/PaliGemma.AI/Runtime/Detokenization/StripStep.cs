namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>
/// The <c>Strip</c> decoder: removes up to <c>start</c> leading and <c>stop</c> trailing <c>content</c> characters
/// from each token. After <see cref="FuseStep"/> the only token is the whole text, so the streaming stage then
/// strips the start of the text once and holds back trailing <c>content</c> characters until it knows whether
/// they end the text.
/// </summary>
internal sealed class StripStep : MapStep
{
    private readonly char _content;
    private readonly int _start;
    private readonly int _stop;
    private readonly bool _wholeText;

    /// <summary>Creates the step.</summary>
    /// <param name="content">The character to strip (one UTF-16 unit).</param>
    /// <param name="start">How many leading characters at most.</param>
    /// <param name="stop">How many trailing characters at most.</param>
    /// <param name="wholeText">True when a <c>Fuse</c> step comes before this one.</param>
    public StripStep(char content, int start, int stop, bool wholeText)
    {
        _content = content;
        _start = start;
        _stop = stop;
        _wholeText = wholeText;
    }

    /// <inheritdoc />
    public override string Map(string token)
    {
        int startCut = 0;
        while (startCut < _start && startCut < token.Length && token[startCut] == _content)
        {
            startCut++;
        }

        int stopCut = token.Length;
        while (token.Length - stopCut < _stop && stopCut > startCut && token[stopCut - 1] == _content)
        {
            stopCut--;
        }

        return token[startCut..stopCut];
    }

    /// <inheritdoc />
    public override IDecodeStage CreateStage() => _wholeText ? new WholeTextStage(this) : this;

    private sealed class WholeTextStage(StripStep step) : IDecodeStage
    {
        private int _leadingStripped;
        private bool _leadingDone;
        private int _held;

        public void Push(string token, List<string> output)
        {
            int begin = 0;
            while (!_leadingDone && begin < token.Length)
            {
                if (_leadingStripped < step._start && token[begin] == step._content)
                {
                    _leadingStripped++;
                    begin++;
                }
                else
                {
                    _leadingDone = true;
                }
            }

            if (begin == token.Length)
            {
                return;
            }

            // Everything held back is content characters; hold back at most `stop` trailing ones of the new text.
            string text = new string(step._content, _held) + token[begin..];
            int trailing = 0;
            while (trailing < text.Length && text[text.Length - 1 - trailing] == step._content)
            {
                trailing++;
            }

            _held = Math.Min(trailing, step._stop);
            output.Add(text[..^_held]);
        }

        public void Flush(List<string> output)
        {
            // Held characters end the text, so Strip removes them.
            _held = 0;
            _leadingStripped = 0;
            _leadingDone = false;
        }
    }
}
