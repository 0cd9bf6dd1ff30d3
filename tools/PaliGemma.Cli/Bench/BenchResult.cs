using System.Text.Json.Serialization;

namespace PaliGemma.Cli.Bench;

/// <summary>What <c>paligemma bench</c> measured (medians over the runs; times in milliseconds unless named otherwise).</summary>
internal sealed record BenchResult
{
    public required string Model { get; init; }

    public required string Precision { get; init; }

    public required long WeightFileBytes { get; init; }

    public required int PromptTokens { get; init; }

    public required int GeneratedTokens { get; init; }

    public required int Runs { get; init; }

    public required int Threads { get; init; }

    public required double LoadMs { get; init; }

    public required double PreprocessMs { get; init; }

    public required double VisionMs { get; init; }

    public required double PrefillMs { get; init; }

    public required double PrefillTokensPerSecond { get; init; }

    public required double TimeToFirstTokenColdMs { get; init; }

    public required double TimeToFirstTokenCachedMs { get; init; }

    public required double CachedToColdTtftRatio { get; init; }

    public required double VisionShareOfColdTtft { get; init; }

    public required double DecodeTokensPerSecond { get; init; }

    public required double ChatTotalMs { get; init; }

    public required double RawTimeToFirstTokenMs { get; init; }

    public required double RawDecodeTokensPerSecond { get; init; }

    public required double RawTotalMs { get; init; }

    public required double LibraryDecodeTokensPerSecond { get; init; }

    public required double LibraryTimeToFirstTokenMs { get; init; }

    public required double DetokeniseMsPerToken { get; init; }

    /// <summary>
    /// Gets a value indicating whether every generated token streams text as soon as it is generated. When false, the
    /// chat client's decode rate, TTFT and the overhead figures built on them are not comparable with the loops.
    /// </summary>
    public required bool ChatStreamsEveryToken { get; init; }

    public required double ChatOverheadDecodePercent { get; init; }

    public required double ChatOverheadTtftMs { get; init; }

    public required double ChatOverheadTotalPercent { get; init; }

    public required bool SameOutputAsRawLoop { get; init; }

    public required string OutputText { get; init; }

    /// <summary>Gets the prompt token ids (<c>&lt;image&gt;</c>×N, <c>&lt;bos&gt;</c>, prefix, newline) every variant was given.</summary>
    public required IReadOnlyList<int> PromptTokenIds { get; init; }

    /// <summary>Gets the raw loop's greedy token ids (stop token included when one was generated), for comparing with other runtimes.</summary>
    public required IReadOnlyList<int> OutputTokenIds { get; init; }

    public required double MemoryBandwidthGBps { get; init; }

    public required long DecodeBytesPerToken { get; init; }

    public required double FloorTokensPerSecond { get; init; }

    public required double DecodeShareOfFloor { get; init; }

    public double? Top1Agreement { get; init; }

    public int? Top1AgreementSteps { get; init; }

    public double? Top1TrivialShare { get; init; }

    public double? Top1NonTrivialAgreement { get; init; }

    public double? RelativeLogitRmsError { get; init; }

    public double? Top1MaskedAgreement { get; init; }

    public required long PeakRssBytes { get; init; }

    public required double PeakRssToWeightFiles { get; init; }
}

/// <summary>Source-generated JSON for <see cref="BenchResult"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
