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

    /// <summary>Gets the intra-op thread count the model actually used (the library's choice when <see cref="Threads"/> is 0).</summary>
    public required int ResolvedThreads { get; init; }

    /// <summary>Gets whether the vision session's worker threads spun.</summary>
    public required bool VisionSpinning { get; init; }

    /// <summary>Gets the prefill ceiling: the decoder's linear layers alone at the prompt length (see <see cref="PrefillCeiling"/>).</summary>
    public required double PrefillCeilingMs { get; init; }

    /// <summary>Gets the ceiling's one-row head part (bytes over bandwidth).</summary>
    public required double PrefillCeilingHeadMs { get; init; }

    /// <summary>Gets ceiling ÷ prefill: how close the whole prefill gets to its matmuls alone.</summary>
    public required double PrefillShareOfCeiling { get; init; }

    /// <summary>Gets one line per distinct linear shape of the ceiling.</summary>
    public required IReadOnlyList<string> PrefillCeilingParts { get; init; }

    /// <summary>Gets what-if ceilings (other int4 accuracy levels / block sizes, spinning), when measured.</summary>
    public IReadOnlyList<NamedFigure>? PrefillCeilingVariants { get; init; }

    /// <summary>Gets the thread sweep, when measured.</summary>
    public IReadOnlyList<SweepEntry>? ThreadSweep { get; init; }

    /// <summary>Gets the default setting's prefill speed as a share of the sweep's best.</summary>
    public double? DefaultPrefillShareOfBest { get; init; }

    /// <summary>Gets the default setting's decode speed as a share of the sweep's best.</summary>
    public double? DefaultDecodeShareOfBest { get; init; }

    /// <summary>Gets the PyTorch-eager baseline's prefill seconds, when given.</summary>
    public double? PyTorchPrefillSeconds { get; init; }

    /// <summary>Gets the PyTorch-eager baseline's decode tokens/s, when given.</summary>
    public double? PyTorchDecodeTokensPerSecond { get; init; }

    /// <summary>Gets PyTorch prefill time ÷ ours (raw loop): how many times faster our prefill is.</summary>
    public double? PrefillSpeedupVsPyTorch { get; init; }

    /// <summary>Gets our decode rate (library loop, <c>PaliGemmaModel.Generate</c>) ÷ PyTorch's.</summary>
    public double? DecodeSpeedupVsPyTorch { get; init; }

    /// <summary>Gets notes on the baseline's comparability (threads, prompt), when given.</summary>
    public string? PyTorchBaselineNote { get; init; }

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

/// <summary>One setting of the thread sweep (raw GenAI loop medians).</summary>
/// <param name="Setting">What was set.</param>
/// <param name="Threads">Intra-op threads used.</param>
/// <param name="VisionSpinning">Whether the vision session's threads spun.</param>
/// <param name="VisionMs">Vision encoder time.</param>
/// <param name="PrefillMs">Prefill time.</param>
/// <param name="DecodeTokensPerSecond">Decode rate.</param>
internal sealed record SweepEntry(string Setting, int Threads, bool VisionSpinning, double VisionMs, double PrefillMs, double DecodeTokensPerSecond);

/// <summary>A named figure in milliseconds.</summary>
/// <param name="Name">What it is.</param>
/// <param name="Ms">Milliseconds.</param>
internal sealed record NamedFigure(string Name, double Ms);

/// <summary>Source-generated JSON for <see cref="BenchResult"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
