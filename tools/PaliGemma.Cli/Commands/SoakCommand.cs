using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using SkiaSharp;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma soak --model DIR --clients N --requests M [--cancel-ratio 0.1] [--bad-image-ratio 0.1]</c>: N concurrent
/// callers each send M streaming requests of mixed tasks through one <see cref="PaliGemmaChatClient"/>; some are
/// cancelled mid-stream, some carry bad images. Reports outcomes by type (an outcome that is not the expected one for
/// its request is "unexpected"), p50/p99 latency, and the process RSS sampled over time with its drift after warm-up.
/// Not part of CI: a long-running check for leaks, crashes and wrong error types.
/// </summary>
internal static class SoakCommand
{
    private static readonly string[] Prompts = ["caption en", "describe en", "ocr", "answer en what is in the picture?", "detect cat ; dog", "segment cat", "question en a cat"];

    /// <summary>Builds the <c>soak</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "The model folder.", Required = true };
        var clients = new Option<int>("--clients") { Description = "Concurrent callers.", DefaultValueFactory = _ => 8 };
        var requests = new Option<int>("--requests") { Description = "Requests per caller.", DefaultValueFactory = _ => 100 };
        var cancelRatio = new Option<double>("--cancel-ratio") { Description = "Share of requests cancelled after their first updates.", DefaultValueFactory = _ => 0.1 };
        var badImageRatio = new Option<double>("--bad-image-ratio") { Description = "Share of requests with an undecodable or oversized image.", DefaultValueFactory = _ => 0.1 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per answer.", DefaultValueFactory = _ => 16 };
        var concurrency = new Option<int>("--concurrency") { Description = "PaliGemmaChatClientOptions.MaxConcurrency (generations at once).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var sampleMs = new Option<int>("--sample-ms") { Description = "RSS sampling interval in milliseconds.", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the request mix.", DefaultValueFactory = _ => 1 };

        var command = new Command("soak", "Run many concurrent mixed requests (some cancelled, some with bad images) and report errors, latency and RSS over time.")
        {
            model, clients, requests, cancelRatio, badImageRatio, maxTokens, concurrency, sampleMs, seed,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await RunAsync(
            new SoakSettings(
                parse.GetRequiredValue(model).FullName,
                Positive(parse.GetValue(clients), "--clients"),
                Positive(parse.GetValue(requests), "--requests"),
                Ratio(parse.GetValue(cancelRatio), "--cancel-ratio"),
                Ratio(parse.GetValue(badImageRatio), "--bad-image-ratio"),
                Positive(parse.GetValue(maxTokens), "--max-tokens"),
                Positive(parse.GetValue(concurrency), "--concurrency"),
                Positive(parse.GetValue(sampleMs), "--sample-ms"),
                parse.GetValue(seed)),
            Console.Out,
            cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or PaliGemmaModelException)
            {
                CommandRunner.WriteError(ex.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Runs the soak; returns 0 when no request had an unexpected outcome, else 1.</summary>
    internal static async Task<int> RunAsync(SoakSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(settings.ModelPath, options: new PaliGemmaChatClientOptions { MaxConcurrency = settings.Concurrency });
        byte[][] goodImages = [.. Enumerable.Range(0, 24).Select(MakePng)];
        byte[][] badImages = BadImages(goodImages[0]);
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var samples = new ConcurrentQueue<(double Seconds, int Done, long Rss, long Managed)>();
        int done = 0;
        int total = settings.Clients * settings.Requests;
        var clock = Stopwatch.StartNew();

        using var stopSampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.SampleMs));
            do
            {
                samples.Enqueue((clock.Elapsed.TotalSeconds, Volatile.Read(ref done), Environment.WorkingSet, GC.GetTotalMemory(false)));
            }
            while (await timer.WaitForNextTickAsync(stopSampling.Token).ConfigureAwait(false));
        }, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);

        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(settings.Seed * 7919 + c);
            for (int i = 0; i < settings.Requests && !cancellationToken.IsCancellationRequested; i++)
            {
                bool bad = random.NextDouble() < settings.BadImageRatio;
                int cancelAfter = random.NextDouble() < settings.CancelRatio ? random.Next(0, 3) : -1;
                byte[] image = bad ? badImages[random.Next(badImages.Length)] : goodImages[random.Next(goodImages.Length)];
                string prompt = Prompts[random.Next(Prompts.Length)];
                var watch = Stopwatch.StartNew();
                string outcome = await RunOneAsync(client, prompt, image, settings.MaxTokens, cancelAfter, cancellationToken).ConfigureAwait(false);
                if (outcome == "completed" && !bad)
                {
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }

                string[] expected = Expected(bad, cancelAfter);
                bool ok = expected.Contains(outcome);
                outcomes.AddOrUpdate(ok ? outcome : $"UNEXPECTED {outcome} (expected {string.Join(" or ", expected)})", 1, (_, n) => n + 1);
                Interlocked.Increment(ref done);
            }
        }, CancellationToken.None))).ConfigureAwait(false);

        double seconds = clock.Elapsed.TotalSeconds;
        await stopSampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        samples.Enqueue((clock.Elapsed.TotalSeconds, done, Environment.WorkingSet, GC.GetTotalMemory(false)));
        Report(output, settings, total, done, seconds, outcomes, [.. latencies], [.. samples], client.Statistics);
        return outcomes.Keys.Any(k => k.StartsWith("UNEXPECTED", StringComparison.Ordinal)) ? 1 : 0;
    }

    /// <summary>The acceptable outcomes: a bad image is rejected (or the request is cancelled before it starts); a request
    /// cancelled after some updates may also have completed first.</summary>
    private static string[] Expected(bool bad, int cancelAfter) => (bad, cancelAfter) switch
    {
        (true, 0) => ["bad image rejected", "cancelled"],
        (true, _) => ["bad image rejected"],
        (false, 0) => ["cancelled"],
        (false, > 0) => ["cancelled", "completed"],
        _ => ["completed"],
    };

    private static async Task<string> RunOneAsync(PaliGemmaChatClient client, string prompt, byte[] image, int maxTokens, int cancelAfter, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, [new TextContent(prompt), new DataContent(image, "image/png")])];
        try
        {
            int updates = 0;
            if (cancelAfter == 0)
            {
                await cancel.CancelAsync().ConfigureAwait(false);
            }

            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, new ChatOptions { MaxOutputTokens = maxTokens }, cancel.Token).ConfigureAwait(false))
            {
                if (++updates == cancelAfter)
                {
                    await cancel.CancelAsync().ConfigureAwait(false);
                }
            }

            return "completed";
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return "cancelled";
        }
        catch (PaliGemmaImageException)
        {
            return "bad image rejected";
        }
        catch (Exception ex)
        {
            return ex.GetType().Name + ": " + ex.Message.Split('\n')[0];
        }
    }

    private static void Report(
        TextWriter output, SoakSettings settings, int total, int done, double seconds, ConcurrentDictionary<string, int> outcomes,
        double[] latencies, (double Seconds, int Done, long Rss, long Managed)[] samples, PaliGemmaChatStatistics statistics)
    {
        static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
        output.WriteLine($"soak: {done}/{total} requests ({settings.Clients} clients × {settings.Requests}) in {seconds:F1} s = {done / seconds:F1} req/s; max concurrency {settings.Concurrency}, max tokens {settings.MaxTokens}, cancel ratio {settings.CancelRatio}, bad-image ratio {settings.BadImageRatio}");
        output.WriteLine("outcomes:");
        foreach ((string outcome, int count) in outcomes.OrderByDescending(p => p.Value))
        {
            output.WriteLine($"  {count,8}  {outcome}");
        }

        Array.Sort(latencies);
        if (latencies.Length > 0)
        {
            output.WriteLine($"latency of completed good-image requests (ms): p50 {Percentile(latencies, 0.50):F1}  p90 {Percentile(latencies, 0.90):F1}  p99 {Percentile(latencies, 0.99):F1}  max {latencies[^1]:F1}  (n = {latencies.Length})");
        }

        output.WriteLine($"client statistics: {statistics}");
        output.WriteLine("RSS over time (s, requests done, RSS MiB, managed heap MiB):");
        int step = Math.Max(1, samples.Length / 20);
        for (int i = 0; i < samples.Length; i += step)
        {
            output.WriteLine($"  {samples[i].Seconds,8:F1} {samples[i].Done,8} {Mb(samples[i].Rss),8} {Mb(samples[i].Managed),8}");
        }

        // Warm-up = the first 20 % of requests; compare the median RSS of the next tenth of the samples with the last tenth.
        var after = samples.Where(s => s.Done >= total / 5).ToArray();
        if (after.Length >= 10)
        {
            int tenth = after.Length / 10;
            double early = Median(after.Take(tenth).Select(s => (double)s.Rss));
            double late = Median(after.Skip(after.Length - tenth).Select(s => (double)s.Rss));
            double peak = after.Max(s => (double)s.Rss);
            output.WriteLine($"RSS after warm-up: early median {Mb((long)early)} MiB, late median {Mb((long)late)} MiB, drift {(late - early) / early * 100:+0.0;-0.0} %, peak {Mb((long)peak)} MiB ({after.Length} samples)");
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    private static byte[] MakePng(int seed)
    {
        int width = 32 + (seed * 13 % 97);
        int height = 24 + (seed * 29 % 71);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 5 + seed * 31), (byte)(y * 7 + seed * 17), (byte)((x ^ y) + seed)));
            }
        }

        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Undecodable or oversized images: random bytes, a truncated PNG, a bare PNG signature, a PNG header claiming 60000×60000.</summary>
    private static byte[][] BadImages(byte[] goodPng)
    {
        var random = new Random(5);
        byte[] noise = new byte[2048];
        random.NextBytes(noise);
        byte[] huge = (byte[])goodPng.Clone();
        // IHDR width and height (big-endian) follow the 8-byte signature, the chunk length and the chunk type.
        huge[16] = 0; huge[17] = 0; huge[18] = 0xEA; huge[19] = 0x60;
        huge[20] = 0; huge[21] = 0; huge[22] = 0xEA; huge[23] = 0x60;
        return [noise, goodPng[..(goodPng.Length / 2)], goodPng[..8], huge];
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");

    private static double Ratio(double value, string name) =>
        value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be between 0 and 1.");
}

/// <summary>Settings of one soak run.</summary>
internal sealed record SoakSettings(string ModelPath, int Clients, int Requests, double CancelRatio, double BadImageRatio, int MaxTokens, int Concurrency, int SampleMs, int Seed);
