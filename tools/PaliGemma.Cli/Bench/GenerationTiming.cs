namespace PaliGemma.Cli.Bench;

/// <summary>Timings of one generation.</summary>
/// <param name="TimeToFirstTokenMs">From the request to the first generated token (prefill and one sampling step included).</param>
/// <param name="DecodeSeconds">From the first to the last generated token.</param>
/// <param name="Tokens">Generated tokens (a stop token counts).</param>
/// <param name="PrefillMs">The prompt prefill alone, where it can be separated (raw loop), else null.</param>
/// <param name="Text">The generated text, for the same-output check.</param>
/// <param name="TotalMs">From the request to the end of the generation.</param>
internal sealed record GenerationTiming(double TimeToFirstTokenMs, double DecodeSeconds, int Tokens, double? PrefillMs, string Text, double TotalMs)
{
    /// <summary>Gets decoded tokens per second after the first token.</summary>
    public double DecodeTokensPerSecond => Tokens > 1 && DecodeSeconds > 0 ? (Tokens - 1) / DecodeSeconds : 0;
}
