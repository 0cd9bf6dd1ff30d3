using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using Spectre.Console;

namespace PaliGemma.Cli.Bench;

/// <summary>Settings of <c>paligemma bench --concurrency</c>.</summary>
/// <param name="ModelFolder">The model folder.</param>
/// <param name="ImagePath">The image sent with every request.</param>
/// <param name="Prompt">The PaliGemma prefix.</param>
/// <param name="Tokens">Maximum generated tokens per request (long answers: the default of this mode is 128).</param>
/// <param name="Runs">Measured repetitions per level (medians reported), after one warm-up request.</param>
/// <param name="Threads">Intra-op threads (0 = runtime default).</param>
/// <param name="Levels">Concurrent request counts, e.g. 1, 2, 4, 8.</param>
/// <param name="BatchWindowMs">The batching window in milliseconds, or null for the library default.</param>
internal sealed record ConcurrencyBenchOptions(string ModelFolder, string ImagePath, string Prompt, int Tokens, int Runs, int Threads, IReadOnlyList<int> Levels, double? BatchWindowMs);

/// <summary>One level of <c>paligemma bench --concurrency</c>: aggregate output tokens/s with batching off and on.</summary>
/// <param name="Concurrency">Requests sent at once.</param>
/// <param name="OffTokensPerSecond">Aggregate output tokens/s with <c>MaxBatchSize = 1</c> (a generator per request).</param>
/// <param name="OnTokensPerSecond">Aggregate output tokens/s with <c>MaxBatchSize</c> = the largest level.</param>
/// <param name="OffOutputTokens">Output tokens of all requests of one batching-off round.</param>
/// <param name="OnOutputTokens">Output tokens of all requests of one batching-on round.</param>
/// <param name="OnBatches">Generators started per batching-on round (1 when all requests shared one).</param>
internal sealed record ConcurrencyLevelResult(int Concurrency, double OffTokensPerSecond, double OnTokensPerSecond, long OffOutputTokens, long OnOutputTokens, double OnBatches);

/// <summary>The result of <c>paligemma bench --concurrency</c>.</summary>
/// <param name="Model">The model id.</param>
/// <param name="Precision">The folder's precision.</param>
/// <param name="Tokens">Maximum output tokens per request.</param>
/// <param name="Runs">Rounds per level and mode (medians).</param>
/// <param name="Threads">Intra-op threads (0 = runtime default).</param>
/// <param name="Levels">The levels measured.</param>
internal sealed record ConcurrencyBenchResult(string Model, string Precision, int Tokens, int Runs, int Threads, IReadOnlyList<ConcurrencyLevelResult> Levels);

/// <summary>Source-generated JSON for <see cref="ConcurrencyBenchResult"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ConcurrencyBenchResult))]
internal sealed partial class ConcurrencyBenchJsonContext : JsonSerializerContext;

/// <summary>
/// <c>paligemma bench --concurrency 1,2,4,8</c>: sends N identical greedy requests at once through
/// <see cref="PaliGemmaChatClient"/> (<c>MaxConcurrency</c> = the largest level, image features cached after the warm-up) and
/// reports aggregate output tokens per second — all requests' output tokens over the wall time of the round — with batched
/// generation off (<c>MaxBatchSize</c> 1: one generator per request, run side by side) and on. The two modes alternate
/// within each round so that noise from other work on the machine hits them alike.
/// </summary>
internal static class ConcurrencyBench
{
    /// <summary>Parses <c>1,2,4,8</c>.</summary>
    public static IReadOnlyList<int> ParseLevels(string text)
    {
        var levels = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int level) || level < 1 || level > 64)
            {
                throw new ArgumentException($"--concurrency takes a comma-separated list of request counts from 1 to 64, got '{text}'.");
            }

            levels.Add(level);
        }

        return levels.Count > 0 ? levels : throw new ArgumentException("--concurrency needs at least one request count, e.g. 1,2,4,8.");
    }

    /// <summary>Runs the benchmark, prints the table and returns the result.</summary>
    public static async Task<ConcurrencyBenchResult> RunAsync(ConcurrencyBenchOptions o, Action<string> log)
    {
        byte[] image = File.ReadAllBytes(o.ImagePath);
        string mediaType = Path.GetExtension(o.ImagePath).ToLowerInvariant() is ".jpg" or ".jpeg" ? "image/jpeg" : "image/png";
        string folder = Path.GetFullPath(o.ModelFolder);
        int most = o.Levels.Max();

        log("loading the model twice: batching off (MaxBatchSize 1) and on (MaxBatchSize " + most.ToString(CultureInfo.InvariantCulture) + ")");
        using var off = Load(folder, o, maxBatchSize: 1, most);
        using var on = Load(folder, o, maxBatchSize: most, most);
        if (!on.Model.BatchingEnabled)
        {
            log("note: this folder predates format_version 2, so batching stays off; reconvert it to measure batching");
        }

        log("warm-up (vision features cached)");
        await RoundAsync(off, image, mediaType, o, 1).ConfigureAwait(false);
        await RoundAsync(on, image, mediaType, o, 1).ConfigureAwait(false);

        var levels = new List<ConcurrencyLevelResult>();
        foreach (int level in o.Levels)
        {
            var offRates = new List<double>();
            var onRates = new List<double>();
            long offTokens = 0, onTokens = 0;
            long batchesBefore = on.Model.BatchCounts.Batches;
            for (int r = 0; r < o.Runs; r++)
            {
                log($"concurrency {level}: round {r + 1}/{o.Runs}, batching off then on");
                (double offSeconds, offTokens) = await RoundAsync(off, image, mediaType, o, level).ConfigureAwait(false);
                (double onSeconds, onTokens) = await RoundAsync(on, image, mediaType, o, level).ConfigureAwait(false);
                offRates.Add(offTokens / offSeconds);
                onRates.Add(onTokens / onSeconds);
            }

            double batches = (on.Model.BatchCounts.Batches - batchesBefore) / (double)o.Runs;
            levels.Add(new ConcurrencyLevelResult(level, Median(offRates), Median(onRates), offTokens, onTokens, batches));
        }

        var result = new ConcurrencyBenchResult(on.Model.ModelId, on.Model.Manifest.Precision, o.Tokens, o.Runs, o.Threads, levels);
        AnsiConsole.Write(Table(result));
        return result;
    }

    /// <summary>Writes the result as JSON.</summary>
    public static void WriteJson(ConcurrencyBenchResult result, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(result, ConcurrencyBenchJsonContext.Default.ConcurrencyBenchResult));

    private static PaliGemmaChatClient Load(string folder, ConcurrencyBenchOptions o, int maxBatchSize, int concurrency)
    {
        var modelOptions = new PaliGemmaModelOptions { IntraOpNumThreads = o.Threads, MaxBatchSize = maxBatchSize };
        if (o.BatchWindowMs is double window)
        {
            modelOptions.BatchWindow = TimeSpan.FromMilliseconds(window);
        }

        return PaliGemmaChatClient.Load(folder, modelOptions, new PaliGemmaChatClientOptions { MaxConcurrency = concurrency });
    }

    /// <summary>Sends <paramref name="count"/> requests at once; returns the wall time of the round and the output tokens of all.</summary>
    private static async Task<(double Seconds, long Tokens)> RoundAsync(PaliGemmaChatClient client, byte[] image, string mediaType, ConcurrencyBenchOptions o, int count)
    {
        var clock = Stopwatch.StartNew();
        ChatResponse[] responses = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Task.Run(() =>
        {
            ChatMessage[] messages = [new ChatMessage(ChatRole.User, [new DataContent(image, mediaType), new TextContent(o.Prompt)])];
            return client.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = o.Tokens, Temperature = 0f });
        }))).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        return (seconds, responses.Sum(r => r.Usage?.OutputTokenCount ?? 0));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    private static Table Table(ConcurrencyBenchResult r)
    {
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
        var table = new Table()
            .AddColumn("N")
            .AddColumn(new TableColumn("off tok/s").RightAligned())
            .AddColumn(new TableColumn("on tok/s").RightAligned())
            .AddColumn(new TableColumn("on/off").RightAligned())
            .AddColumn(new TableColumn("on/on@1").RightAligned())
            .AddColumn(new TableColumn("off/off@1").RightAligned())
            .AddColumn(new TableColumn("tokens on/off").RightAligned())
            .AddColumn(new TableColumn("gens").RightAligned());
        ConcurrencyLevelResult? first = r.Levels.FirstOrDefault(l => l.Concurrency == 1);
        foreach (ConcurrencyLevelResult l in r.Levels)
        {
            table.AddRow(
                l.Concurrency.ToString(CultureInfo.InvariantCulture),
                F(l.OffTokensPerSecond, "F2"),
                F(l.OnTokensPerSecond, "F2"),
                F(l.OnTokensPerSecond / l.OffTokensPerSecond, "F2") + "×",
                first is null ? "-" : F(l.OnTokensPerSecond / first.OnTokensPerSecond, "F2") + "×",
                first is null ? "-" : F(l.OffTokensPerSecond / first.OffTokensPerSecond, "F2") + "×",
                $"{l.OnOutputTokens} / {l.OffOutputTokens}",
                F(l.OnBatches));
        }

        table.Caption($"{Markup.Escape(r.Model)} ({Markup.Escape(r.Precision)}), up to {r.Tokens} tokens per request, medians of {r.Runs} rounds, threads {(r.Threads == 0 ? "default" : r.Threads.ToString(CultureInfo.InvariantCulture))}. N = concurrent requests; tok/s = aggregate output tokens/s of all N requests with batching off (MaxBatchSize 1) and on; tokens = output tokens of one round; gens = ORT GenAI generators per batched round (1 = all N shared one)");
        return table;
    }
}
