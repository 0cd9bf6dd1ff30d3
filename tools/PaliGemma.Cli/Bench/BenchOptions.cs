namespace PaliGemma.Cli.Bench;

/// <summary>Settings of one <c>paligemma bench</c> run.</summary>
/// <param name="ModelFolder">The model folder.</param>
/// <param name="ImagePath">The image sent with every request.</param>
/// <param name="Prompt">The PaliGemma prefix.</param>
/// <param name="Tokens">Maximum generated tokens per request.</param>
/// <param name="Runs">Measured repetitions (medians are reported); one extra warm-up precedes them.</param>
/// <param name="Threads">Intra-op threads for both the chat client and the raw loop (0 = the library default: the cores available to the process).</param>
/// <param name="BandwidthBufferBytes">Size of the buffer the bandwidth kernel streams through (larger than the caches).</param>
/// <param name="ReferenceFolder">A reference model folder (e.g. the fp32 conversion of the same checkpoint) for top-1 agreement, or null.</param>
/// <param name="AgreementSteps">Greedy steps compared against the reference.</param>
/// <param name="SweepThreads">Also load the model with 1 and 2 threads (and the default with spinning vision threads) and report the default as a share of the best.</param>
/// <param name="PyTorchBaselinePath">JSON from <c>scripts/bench-pytorch.sh</c>, or null.</param>
/// <param name="CeilingVariants">Also time the int4 prefill ceiling at other MatMulNBits accuracy levels and block sizes (what-if figures).</param>
internal sealed record BenchOptions(string ModelFolder, string ImagePath, string Prompt, int Tokens, int Runs, int Threads, long BandwidthBufferBytes, string? ReferenceFolder = null, int AgreementSteps = 64, bool SweepThreads = false, string? PyTorchBaselinePath = null, bool CeilingVariants = false);
