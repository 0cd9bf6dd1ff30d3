using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PaliGemma.AI.Runtime;
using PaliGemma.Cli.Bench;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma bench</c>: load time, vision, prefill, time to first token, decode speed and peak memory of a model folder,
/// with the raw ONNX Runtime GenAI loop and the memory-bandwidth floor measured in the same process.
/// </summary>
internal static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "Model folder (paligemma.json, genai_config.json, vision.onnx, decoder.onnx).", Required = true };
        var image = new Option<FileInfo>("--image") { Description = "Image sent with every request (.png, .jpg, ...).", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "PaliGemma prefix.", DefaultValueFactory = _ => "caption en" };
        var tokens = new Option<int>("--tokens") { Description = "Maximum generated tokens per request.", DefaultValueFactory = _ => 32 };
        var runs = new Option<int>("--runs") { Description = "Measured repetitions (medians reported), after one warm-up.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for the chat client and the raw loop (0 = the library default: the cores available to the process).", DefaultValueFactory = _ => 0 };
        var sweep = new Option<bool>("--sweep-threads") { Description = "Also load the model with the library default, --threads 1, --threads 2 and spinning vision threads, one at a time, and report the default as a share of the best prefill and decode." };
        var pytorch = new Option<FileInfo?>("--pytorch-baseline") { Description = "JSON written by scripts/bench-pytorch.sh on the same checkpoint: adds prefill and decode ratios against PyTorch eager." };
        var constrained = new Option<bool>("--constrained") { Description = "Instead of the single-request bench: per-token time of greedy decoding under the --prompt's output grammar (a detect or segment prompt) as a ratio to free decoding (library loop, pairs back to back; wall and process CPU time)." };
        var ceilingVariants = new Option<bool>("--ceiling-variants") { Description = "Also time the prefill ceiling with spinning threads and, for int4, other MatMulNBits accuracy levels and block sizes (what-if figures)." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        var reference = new Option<DirectoryInfo?>("--reference") { Description = "Reference model folder (e.g. the fp32 conversion) for top-1 agreement of greedy decoding." };
        var agreementSteps = new Option<int>("--agreement-steps") { Description = "Teacher-forced steps compared with --reference.", DefaultValueFactory = _ => 64 };
        var buffer = new Option<int>("--bandwidth-buffer-mib") { Description = "Buffer streamed by the memory-bandwidth kernel (MiB).", DefaultValueFactory = _ => 1024 };
        var concurrency = new Option<string?>("--concurrency") { Description = "Instead of the single-request bench: aggregate output tokens/s of N concurrent requests (e.g. 1,2,4,8) with batched generation off and on." };
        var batchWindow = new Option<double?>("--batch-window-ms") { Description = "With --concurrency: the batching window in milliseconds (default: the library's)." };

        var command = new Command("bench", "Benchmark a model folder: load, vision, prefill, time to first token, decode tokens/s, peak RSS; raw GenAI loop and bandwidth floor as baselines.")
        {
            model, image, prompt, tokens, runs, threads, json, buffer, reference, agreementSteps, concurrency, batchWindow, sweep, pytorch, ceilingVariants, constrained,
        };

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(concurrency) is string levels)
            {
                return RunConcurrency(parse, model, image, prompt, tokens, runs, threads, json, ConcurrencyBench.ParseLevels(levels), parse.GetValue(batchWindow));
            }

            if (parse.GetValue(constrained))
            {
                string imagePath = parse.GetRequiredValue(image).FullName;
                if (!File.Exists(imagePath))
                {
                    throw new FileNotFoundException($"Image '{imagePath}' does not exist.");
                }

                ConstrainedBenchResult constrainedResult = ConstrainedBench.Run(
                    parse.GetRequiredValue(model).FullName, imagePath, parse.GetValue(prompt) ?? "caption en",
                    Positive(parse.GetValue(tokens), "--tokens"), Positive(parse.GetValue(runs), "--runs"), Math.Max(0, parse.GetValue(threads)),
                    line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
                foreach (string line in ConstrainedBench.Lines(constrainedResult))
                {
                    AnsiConsole.WriteLine(line);
                }

                if (parse.GetValue(json) is FileInfo constrainedJson)
                {
                    ConstrainedBench.WriteJson(constrainedResult, constrainedJson.FullName);
                }

                return 0;
            }

            var options = new BenchOptions(
                parse.GetRequiredValue(model).FullName,
                parse.GetRequiredValue(image).FullName,
                parse.GetValue(prompt) ?? "caption en",
                Positive(parse.GetValue(tokens), "--tokens"),
                Positive(parse.GetValue(runs), "--runs"),
                Math.Max(0, parse.GetValue(threads)),
                Positive(parse.GetValue(buffer), "--bandwidth-buffer-mib") * 1024L * 1024L,
                parse.GetValue(reference)?.FullName,
                Positive(parse.GetValue(agreementSteps), "--agreement-steps"),
                parse.GetValue(sweep),
                parse.GetValue(pytorch)?.FullName,
                parse.GetValue(ceilingVariants));
            if (!File.Exists(options.ImagePath))
            {
                throw new FileNotFoundException($"Image '{options.ImagePath}' does not exist.");
            }

            if (options.PyTorchBaselinePath is { } baseline && !File.Exists(baseline))
            {
                throw new FileNotFoundException($"PyTorch baseline '{baseline}' does not exist (write it with scripts/bench-pytorch.sh).");
            }

            BenchResult result = BenchRunner.RunAsync(options, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]")).GetAwaiter().GetResult();
            AnsiConsole.Write(Table(result));
            if (parse.GetValue(json) is FileInfo file)
            {
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(result, BenchJsonContext.Default.BenchResult));
                AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(file.FullName)}[/].");
            }

            return 0;
        }));
        return command;
    }

    private static int RunConcurrency(
        ParseResult parse, Option<DirectoryInfo> model, Option<FileInfo> image, Option<string> prompt, Option<int> tokens, Option<int> runs, Option<int> threads, Option<FileInfo?> json, IReadOnlyList<int> levels, double? windowMs)
    {
        if (windowMs is < 0 or > 1000)
        {
            throw new ArgumentException($"--batch-window-ms must be between 0 and 1000, got {windowMs}.");
        }

        var options = new ConcurrencyBenchOptions(
            parse.GetRequiredValue(model).FullName,
            parse.GetRequiredValue(image).FullName,
            parse.GetValue(prompt) ?? "caption en",
            Positive(parse.GetValue(tokens), "--tokens"),
            Positive(parse.GetValue(runs), "--runs"),
            Math.Max(0, parse.GetValue(threads)),
            levels,
            windowMs);
        if (!File.Exists(options.ImagePath))
        {
            throw new FileNotFoundException($"Image '{options.ImagePath}' does not exist.");
        }

        ConcurrencyBenchResult result = ConcurrencyBench.RunAsync(options, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]")).GetAwaiter().GetResult();
        if (parse.GetValue(json) is FileInfo file)
        {
            ConcurrencyBench.WriteJson(result, file.FullName);
            AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(file.FullName)}[/].");
        }

        return 0;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentException($"{name} must be positive, got {value}.");

    private static Table Table(BenchResult r)
    {
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("note");
        void Row(string metric, string value, string note = "") => table.AddRow(Markup.Escape(metric), Markup.Escape(value), Markup.Escape(note));
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);

        Row("model", $"{r.Model} ({r.Precision})", $"{F(r.WeightFileBytes / 1e9, "F2")} GB of .onnx files");
        Row("prompt / generated tokens", $"{r.PromptTokens} / {r.GeneratedTokens}", $"medians of {r.Runs} runs, {r.ResolvedThreads} intra-op thread(s) ({(r.Threads == 0 ? "library default" : "--threads")}), vision threads {(r.VisionSpinning ? "spinning" : "not spinning")}");
        Row("model load", $"{F(r.LoadMs)} ms");
        Row("preprocess", $"{F(r.PreprocessMs)} ms", "decode + resize + normalise");
        Row("vision", $"{F(r.VisionMs)} ms", "SigLIP + projector");
        Row("prefill", $"{F(r.PrefillMs)} ms", $"{F(r.PrefillTokensPerSecond)} tokens/s (raw loop)");
        Row("prefill ceiling", $"{F(r.PrefillCeilingMs)} ms", $"the decoder's linear layers alone ({F(r.PrefillCeilingHeadMs)} ms of it the one-row head at the bandwidth); prefill at {F(r.PrefillShareOfCeiling, "P1")} of it");
        foreach (NamedFigure v in r.PrefillCeilingVariants ?? [])
        {
            Row("  ceiling what-if", $"{F(v.Ms)} ms", $"{v.Name}: {F(v.Ms / r.PrefillCeilingMs, "P0")} of the folder's ceiling");
        }
        Row("time to first token, cold", $"{F(r.TimeToFirstTokenColdMs)} ms", "chat client, image cache cleared");
        Row("time to first token, cached image", $"{F(r.TimeToFirstTokenCachedMs)} ms", $"ratio {F(r.CachedToColdTtftRatio, "F3")}; vision share of cold {F(r.VisionShareOfColdTtft, "P1")}");
        // The chat client's rate comes from its streamed text updates; a model whose tokens stream no text (random weights)
        // gives fewer than two, and so no rate: say so rather than print 0.
        bool chatRate = r.DecodeTokensPerSecond > 0;
        const string NoChatRate = "chat client: fewer than two text updates streamed (empty or one-piece output), so no rate";
        Row("decode", chatRate ? $"{F(r.DecodeTokensPerSecond, "F2")} tokens/s" : "n/a", chatRate ? "chat client" : NoChatRate);
        Row("raw GenAI loop decode", $"{F(r.RawDecodeTokensPerSecond, "F2")} tokens/s", $"TTFT {F(r.RawTimeToFirstTokenMs)} ms");
        Row("library loop decode", $"{F(r.LibraryDecodeTokensPerSecond, "F2")} tokens/s", $"PaliGemmaModel.Generate; TTFT {F(r.LibraryTimeToFirstTokenMs)} ms");
        Row("streaming detokeniser", $"{F(r.DetokeniseMsPerToken, "F3")} ms/token", "PaliGemmaTextDecoder.Append over the raw loop's ids (incl. creating the decoder)");
        Row("chat-client overhead", chatRate ? $"{F(r.ChatOverheadDecodePercent, "F2")} % decode" : "n/a decode", $"{F(r.ChatOverheadTtftMs)} ms TTFT; {F(r.ChatOverheadTotalPercent, "F2")} % total; same output: {r.SameOutputAsRawLoop}" + (r.ChatStreamsEveryToken ? string.Empty : "; NOT COMPARABLE: some tokens stream no text at once"));
        Row("memory bandwidth", $"{F(r.MemoryBandwidthGBps, "F2")} GB/s", "streaming read, all cores");
        Row("decode floor", $"{F(r.FloorTokensPerSecond, "F2")} tokens/s", $"{F(r.DecodeBytesPerToken / 1e6)} MB read per token; raw decode at {F(r.DecodeShareOfFloor, "P1")} of it");
        if (r.Top1Agreement is double agreement)
        {
            Row("top-1 agreement with reference", F(agreement, "P1"), $"{r.Top1AgreementSteps} teacher-forced steps; {F(r.Top1NonTrivialAgreement ?? double.NaN, "P1")} on the {F(1 - (r.Top1TrivialShare ?? 0), "P0")} of steps that do not echo the input; logit RMS error {F(r.RelativeLogitRmsError ?? double.NaN, "P2")}");
            Row("top-1 agreement, fed token masked", F(r.Top1MaskedAgreement ?? double.NaN, "P1"), "argmax over all tokens but the one just fed");
        }

        Row("peak RSS", $"{F(r.PeakRssBytes / 1048576.0, "F0")} MiB", $"{F(r.PeakRssToWeightFiles, "F2")}× the weight files");
        foreach (SweepEntry e in r.ThreadSweep ?? [])
        {
            Row($"sweep: {e.Setting}", $"{F(e.PrefillMs)} ms / {F(e.DecodeTokensPerSecond, "F2")} tok/s", $"prefill / raw decode; {e.Threads} thread(s), vision {F(e.VisionMs)} ms{(e.VisionSpinning ? " (spinning)" : string.Empty)}");
        }

        if (r.DefaultPrefillShareOfBest is double prefillShare && r.DefaultDecodeShareOfBest is double decodeShare)
        {
            Row("default vs best setting", $"{F(prefillShare, "P1")} / {F(decodeShare, "P1")}", "prefill / decode speed of the library default as a share of the sweep's best");
        }

        if (r.PyTorchPrefillSeconds is double ptPrefill && r.PyTorchDecodeTokensPerSecond is double ptDecode)
        {
            Row("vs PyTorch eager: prefill", $"{F(r.PrefillSpeedupVsPyTorch ?? 0, "F2")}×", $"PyTorch {F(ptPrefill, "F2")} s vs {F(r.PrefillMs / 1000, "F2")} s; {r.PyTorchBaselineNote}");
            Row("vs PyTorch eager: decode", $"{F(r.DecodeSpeedupVsPyTorch ?? 0, "F2")}×", $"library loop {F(r.LibraryDecodeTokensPerSecond, "F2")} vs PyTorch {F(ptDecode, "F2")} tokens/s");
        }
        return table;
    }
}
