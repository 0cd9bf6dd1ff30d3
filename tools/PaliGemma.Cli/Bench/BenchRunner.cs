using System.Diagnostics;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Runs the benchmark: load, preprocessing, vision, chat-client requests with and without the image-feature cache, the
/// raw ONNX Runtime GenAI loop on the same prompt ids, and the memory-bandwidth floor — all in one process.
/// </summary>
internal static class BenchRunner
{
    /// <summary>Runs every measurement; <paramref name="log"/> receives one line per phase.</summary>
    public static async Task<BenchResult> RunAsync(BenchOptions o, Action<string> log)
    {
        System.Text.Json.JsonElement? pytorch = o.PyTorchBaselinePath is { } path ? PyTorchBaseline.Read(path) : null;
        BenchResult result = await MeasureAsync(o, log).ConfigureAwait(false);
        if (o.SweepThreads)
        {
            // After the main model is disposed: one model in memory at a time.
            List<SweepEntry> sweep = ThreadSweep.Run(o, Path.GetFullPath(o.ModelFolder), log);
            SweepEntry defaults = sweep[0];
            result = result with
            {
                ThreadSweep = sweep,
                DefaultPrefillShareOfBest = sweep.Min(e => e.PrefillMs) / defaults.PrefillMs,
                DefaultDecodeShareOfBest = defaults.DecodeTokensPerSecond / sweep.Max(e => e.DecodeTokensPerSecond),
            };
        }

        if (pytorch is { } baseline)
        {
            result = PyTorchBaseline.Apply(result, baseline, o.PyTorchBaselinePath!);
        }

        return result;
    }

    private static async Task<BenchResult> MeasureAsync(BenchOptions o, Action<string> log)
    {
        byte[] image = File.ReadAllBytes(o.ImagePath);
        string mediaType = MediaType(o.ImagePath);
        string folder = Path.GetFullPath(o.ModelFolder);

        log("loading the model");
        var clock = Stopwatch.StartNew();
        using var client = PaliGemmaChatClient.Load(folder, new PaliGemmaModelOptions { IntraOpNumThreads = o.Threads });
        double loadMs = clock.Elapsed.TotalMilliseconds;
        PaliGemmaModel model = client.Model;

        log("preprocessing and vision");
        float[] pixels = PaliGemmaImageProcessor.Preprocess(image, model.ImageSize).PixelValues;
        model.EncodeImage(pixels); // warm-up
        double preprocessMs = Median(o.Runs, () => PaliGemmaImageProcessor.Preprocess(image, model.ImageSize));
        double visionMs = Median(o.Runs, () => model.EncodeImage(pixels));
        float[] features = model.EncodeImage(pixels);
        int[] prompt = model.BuildPromptIds(o.Prompt);

        // Peak memory after warm-up of the library path (the raw-loop baseline shares its decoder instance).
        log("chat client warm-up");
        await ChatClientProbe.RunAsync(client, image, mediaType, o.Prompt, o.Tokens).ConfigureAwait(false);
        LibraryLoopProbe.Run(model, features, prompt, o.Tokens);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        long peakRss = process.PeakWorkingSet64;

        // The variants alternate within each run so that noise from other work on the machine hits them alike.
        log("the raw ONNX Runtime GenAI loop (baseline) over the same decoder instance");
        HashSet<int> stops = [model.Manifest.TokenIds.Eos, .. model.Manifest.TokenIds.ExtraStop];
        int hidden = model.Manifest.TextHiddenSize;
        var cold = new List<GenerationTiming>();
        var cached = new List<GenerationTiming>();
        var library = new List<GenerationTiming>();
        var raw = new List<GenerationTiming>();
        RawGenAiLoop loop = RawGenAiLoop.Over(model);
        (_, List<int> rawIds) = loop.Run(prompt, features, hidden, o.Tokens, stops);
        for (int r = 0; r < o.Runs; r++)
        {
            log($"run {r + 1}/{o.Runs}: chat cold, chat cached, library loop, raw loop");
            client.ClearImageFeatureCache();
            cold.Add(await ChatClientProbe.RunAsync(client, image, mediaType, o.Prompt, o.Tokens).ConfigureAwait(false));
            cached.Add(await ChatClientProbe.RunAsync(client, image, mediaType, o.Prompt, o.Tokens).ConfigureAwait(false));
            library.Add(LibraryLoopProbe.Run(model, features, prompt, o.Tokens));
            raw.Add(loop.Run(prompt, features, hidden, o.Tokens, stops).Timing);
        }

        string rawText = model.Decode(rawIds.Where(id => !stops.Contains(id)).ToArray());
        double detokeniseMs = Median(o.Runs, () =>
        {
            using PaliGemmaTextDecoder decoder = model.CreateTextDecoder();
            foreach (int id in rawIds)
            {
                decoder.Append(id);
            }
        }) / Math.Max(1, rawIds.Count);

        // Tokens whose text comes later (a byte run waiting for its character) make the chat client's figures not
        // per-token: its first update is late and its first-to-last span short.
        bool everyTokenStreams = TokenStreaming.EveryTokenStreams(model, rawIds.Where(id => !stops.Contains(id)));

        Top1Agreement? agreement = null;
        if (o.ReferenceFolder is not null)
        {
            log($"top-1 agreement with {o.ReferenceFolder} over {o.AgreementSteps} steps");
            int maxId = Math.Min(model.Manifest.TokenIds.LocStart, model.Manifest.VocabSize) - 1;
            agreement = Top1Agreement.Measure(Path.GetFullPath(o.ReferenceFolder), folder, prompt, features, hidden, o.AgreementSteps, o.Threads, maxId);
        }

        log("memory bandwidth");
        double bandwidth = MemoryBandwidth.Measure(o.BandwidthBufferBytes, Environment.ProcessorCount);
        DecoderTraffic traffic = DecoderTraffic.Read(folder);
        int tokens = cached[0].Tokens;
        long perToken = traffic.WeightBytes + (traffic.KvBytesPerPosition * (prompt.Length + (tokens / 2)));
        double floor = bandwidth / perToken;
        long weightFiles = Directory.EnumerateFiles(folder, "*.onnx*").Sum(f => new FileInfo(f).Length);

        log($"prefill ceiling: the decoder's linear layers alone at {prompt.Length} rows, {model.IntraOpNumThreads} thread(s)");
        // Spinning as in the decoder's session: ONNX Runtime GenAI 0.20 has no setting for it, so ONNX Runtime's default (on).
        PrefillCeilingResult ceiling = PrefillCeiling.Measure(folder, prompt.Length, model.IntraOpNumThreads, allowSpinning: true, bandwidth, o.Runs);
        List<NamedFigure>? variants = null;
        if (o.CeilingVariants)
        {
            log("prefill ceiling what-ifs");
            variants = [new NamedFigure("as the folder, worker threads not spinning", PrefillCeiling.Measure(folder, prompt.Length, model.IntraOpNumThreads, allowSpinning: false, bandwidth, o.Runs).Ms)];
            if (PrefillCeiling.ReadShapes(Path.Combine(folder, ModelFileNames.Decoder), prompt.Length).Any(s => s.Op == "MatMulNBits"))
            {
                foreach (int level in new[] { 0, 1, 2, 4 })
                {
                    variants.Add(new NamedFigure($"int4 accuracy_level {level}", PrefillCeiling.Measure(folder, prompt.Length, model.IntraOpNumThreads, allowSpinning: true, bandwidth, o.Runs, accuracyLevel: level).Ms));
                }

                foreach (int block in new[] { 32, 64, 128 })
                {
                    variants.Add(new NamedFigure($"int4 block {block}, symmetric", PrefillCeiling.Measure(folder, prompt.Length, model.IntraOpNumThreads, allowSpinning: true, bandwidth, o.Runs, blockSize: block).Ms));
                }
            }
        }

        double prefillMs = Median(raw.Select(t => t.PrefillMs ?? 0));
        double decodeTps = Median(cached.Select(t => t.DecodeTokensPerSecond));
        double rawDecodeTps = Median(raw.Select(t => t.DecodeTokensPerSecond));
        double ttftCold = Median(cold.Select(t => t.TimeToFirstTokenMs));
        double ttftCached = Median(cached.Select(t => t.TimeToFirstTokenMs));
        double rawTtft = Median(raw.Select(t => t.TimeToFirstTokenMs));
        double chatTotal = Median(cached.Select(t => t.TotalMs));
        double rawTotal = Median(raw.Select(t => t.TotalMs));
        return new BenchResult
        {
            Model = model.ModelId,
            Precision = model.Manifest.Precision,
            WeightFileBytes = weightFiles,
            PromptTokens = prompt.Length,
            GeneratedTokens = tokens,
            Runs = o.Runs,
            Threads = o.Threads,
            ResolvedThreads = model.IntraOpNumThreads,
            VisionSpinning = model.AllowSpinning,
            PrefillCeilingMs = ceiling.Ms,
            PrefillCeilingHeadMs = ceiling.HeadMs,
            PrefillShareOfCeiling = ceiling.Ms / prefillMs,
            PrefillCeilingParts = ceiling.Parts,
            PrefillCeilingVariants = variants,
            LoadMs = loadMs,
            PreprocessMs = preprocessMs,
            VisionMs = visionMs,
            PrefillMs = prefillMs,
            PrefillTokensPerSecond = prompt.Length / (prefillMs / 1000.0),
            TimeToFirstTokenColdMs = ttftCold,
            TimeToFirstTokenCachedMs = ttftCached,
            CachedToColdTtftRatio = ttftCached / ttftCold,
            VisionShareOfColdTtft = visionMs / ttftCold,
            DecodeTokensPerSecond = decodeTps,
            ChatTotalMs = chatTotal,
            RawTimeToFirstTokenMs = rawTtft,
            RawDecodeTokensPerSecond = rawDecodeTps,
            RawTotalMs = rawTotal,
            LibraryDecodeTokensPerSecond = Median(library.Select(t => t.DecodeTokensPerSecond)),
            DetokeniseMsPerToken = detokeniseMs,
            LibraryTimeToFirstTokenMs = Median(library.Select(t => t.TimeToFirstTokenMs)),
            ChatStreamsEveryToken = everyTokenStreams,
            ChatOverheadDecodePercent = 100.0 * (1 - (decodeTps / rawDecodeTps)),
            ChatOverheadTtftMs = ttftCached - rawTtft,
            ChatOverheadTotalPercent = 100.0 * ((chatTotal / rawTotal) - 1),
            SameOutputAsRawLoop = string.Equals(cached[0].Text.Trim(), rawText.Trim(), StringComparison.Ordinal) && cached[0].Tokens == rawIds.Count,
            OutputText = cached[0].Text.Length > 200 ? cached[0].Text[..200] : cached[0].Text,
            PromptTokenIds = prompt,
            OutputTokenIds = rawIds,
            MemoryBandwidthGBps = bandwidth / 1e9,
            DecodeBytesPerToken = perToken,
            FloorTokensPerSecond = floor,
            DecodeShareOfFloor = rawDecodeTps / floor,
            Top1Agreement = agreement?.Agreement,
            Top1AgreementSteps = agreement?.Steps,
            Top1TrivialShare = agreement?.TrivialShare,
            Top1NonTrivialAgreement = agreement?.NonTrivialAgreement,
            RelativeLogitRmsError = agreement?.RelativeLogitRmsError,
            Top1MaskedAgreement = agreement?.MaskedAgreement,
            PeakRssBytes = peakRss,
            PeakRssToWeightFiles = (double)peakRss / weightFiles,
        };
    }

    /// <summary>Median wall time of <paramref name="runs"/> calls.</summary>
    internal static double Median(int runs, Action action) => Median(Enumerable.Range(0, runs).Select(_ =>
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }).ToList());

    /// <summary>Median of the values (0 when empty).</summary>
    internal static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string MediaType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".bmp" => "image/bmp",
        ".webp" => "image/webp",
        _ => throw new ArgumentException($"Image '{path}' has an unknown extension; use .png, .jpg, .gif, .bmp or .webp."),
    };
}
