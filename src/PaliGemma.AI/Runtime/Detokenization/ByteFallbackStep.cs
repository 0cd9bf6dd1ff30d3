using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>
/// The <c>ByteFallback</c> decoder: a run of consecutive byte tokens (<c>&lt;0xNN&gt;</c>) becomes the text those
/// bytes encode when the whole run is valid UTF-8, and otherwise one U+FFFD per byte of the run (Hugging Face
/// <c>tokenizers</c> semantics, not the "maximal subpart" rule of a UTF-8 decoder). Every other token passes
/// unchanged, so an invalid run never affects the text around it. Streaming holds a run back until the next
/// non-byte token or the end of the text, because a later byte can still make the run invalid.
/// </summary>
internal sealed class ByteFallbackStep : DecodeStep
{
    /// <summary>The replacement character emitted for each byte of an invalid run.</summary>
    public const string Replacement = "\uFFFD";

    /// <summary>Returns whether <paramref name="token"/> is exactly <c>&lt;0xNN&gt;</c> with two hex digits.</summary>
    /// <param name="token">The token.</param>
    /// <param name="value">The byte.</param>
    public static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        return token.Length == 6
            && token.StartsWith("<0x", StringComparison.Ordinal)
            && token[5] == '>'
            && char.IsAsciiHexDigit(token[3])
            && char.IsAsciiHexDigit(token[4])
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <inheritdoc />
    public override List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var run = new List<byte>();
        foreach (string token in tokens)
        {
            if (TryParseByte(token, out byte value))
            {
                run.Add(value);
                continue;
            }

            EmitRun(run, output);
            output.Add(token);
        }

        EmitRun(run, output);
        return output;
    }

    /// <inheritdoc />
    public override IDecodeStage CreateStage() => new Stage();

    private static void EmitRun(List<byte> run, List<string> output)
    {
        if (run.Count == 0)
        {
            return;
        }

        ReadOnlySpan<byte> bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(run);
        if (Utf8.IsValid(bytes))
        {
            output.Add(Encoding.UTF8.GetString(bytes));
        }
        else
        {
            for (int i = 0; i < run.Count; i++)
            {
                output.Add(Replacement);
            }
        }

        run.Clear();
    }

    private sealed class Stage : IDecodeStage
    {
        private readonly List<byte> _run = [];

        public void Push(string token, List<string> output)
        {
            if (TryParseByte(token, out byte value))
            {
                _run.Add(value);
                return;
            }

            EmitRun(_run, output);
            output.Add(token);
        }

        public void Flush(List<string> output) => EmitRun(_run, output);
    }
}
