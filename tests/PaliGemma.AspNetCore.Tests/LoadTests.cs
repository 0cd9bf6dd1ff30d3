using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI;
using Xunit.Abstractions;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>
/// Issue 28's bounded loopback load test: 300 requests from 16 clients against the scene model (short answers), a
/// tenth of them streamed and cancelled after their first chunk, a bounded queue. Every request is answered (200) or
/// explicitly rejected (429 with Retry-After); nothing else comes back; no slot or in-flight count leaks; the managed
/// heap after a full GC and the process's resident set stay flat after warm-up. Both are measured on the whole test
/// process, so no other test runs at the same time (a non-parallel collection): another class's allocations would count.
/// </summary>
[Collection(Name)]
public sealed class LoadTests
{
    /// <summary>The collection that runs this class alone.</summary>
    public const string Name = "Load (runs alone)";

    private const int Clients = 16;
    private const int Requests = 300;
    private readonly ITestOutputHelper _output;

    public LoadTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Three_hundred_requests_from_sixteen_clients_are_all_answered_or_rejected_and_memory_stays_flat()
    {
        await using SceneServer server = await SceneServer.StartAsync(model: o => { o.MaxConcurrency = 2; o.MaxQueueLength = 14; });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        // Warm-up: a round of the same mix, then the baseline.
        Tally warm = await RunAsync(http, 150);
        (long heapBefore, long rssBefore) = Memory();
        var clock = Stopwatch.StartNew();
        Tally tally = await RunAsync(http, Requests);
        clock.Stop();
        await WaitIdleAsync(server);
        (long heapAfter, long rssAfter) = Memory();

        _output.WriteLine($"{Requests} requests in {clock.Elapsed.TotalSeconds:F1} s: {tally}; warm-up {warm}");
        _output.WriteLine($"managed heap after GC {heapBefore / 1024} KiB -> {heapAfter / 1024} KiB; RSS {rssBefore / (1024 * 1024)} MiB -> {rssAfter / (1024 * 1024)} MiB");
        Assert.Equal(0, tally.Unexpected);
        Assert.Equal(Requests, tally.Ok + tally.Rejected + tally.Cancelled);
        Assert.Equal(Requests / 10, tally.Cancelled + tally.RejectedBeforeCancel);
        Assert.True(tally.Cancelled >= Requests / 20, $"only {tally.Cancelled} requests were cancelled mid-stream: {tally}");
        Assert.True(tally.Ok >= Requests / 2, $"only {tally.Ok} requests were served: {tally}");
        Assert.True(heapAfter - heapBefore < 16L * 1024 * 1024, $"the managed heap grew by {(heapAfter - heapBefore) / 1024} KiB");
        Assert.True(rssAfter - rssBefore < 96L * 1024 * 1024, $"the resident set grew by {(rssAfter - rssBefore) / (1024 * 1024)} MiB");
    }

    private static async Task<Tally> RunAsync(HttpClient http, int count)
    {
        var tally = new Tally();
        var unexpected = new ConcurrentBag<string>();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                string? problem = await OneAsync(http, i, tally);
                if (problem is not null)
                {
                    tally.AddUnexpected();
                    unexpected.Add(problem);
                }
            }
        })));
        Assert.True(unexpected.IsEmpty, string.Join("\n", unexpected.Take(5)));
        return tally;
    }

    /// <summary>Sends request <paramref name="i"/>; returns a description of anything unexpected, else null.</summary>
    private static async Task<string?> OneAsync(HttpClient http, int i, Tally tally)
    {
        bool cancel = i % 10 == 0;
        bool stream = cancel || i % 2 == 1;
        string prompt = (i % 3) switch { 0 => "caption en", 1 => "detect circle", _ => "ocr" };
        string body = SceneServer.ChatBody(prompt, maxTokens: cancel ? 64 : 6, stream: stream);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/chat/completions", UriKind.Relative)) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var cts = new CancellationTokenSource();
        try
        {
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                if (response.Headers.RetryAfter?.Delta is null)
                {
                    return $"request {i}: 429 without Retry-After";
                }

                tally.AddRejected(cancel);
                await Task.Delay(50); // a short back-off (a real client would wait Retry-After)
                return null;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"request {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }

            if (cancel)
            {
                // Read the first event, then walk away mid-stream.
                Stream content = await response.Content.ReadAsStreamAsync(cts.Token);
                byte[] buffer = new byte[16];
                int read = await content.ReadAsync(buffer, cts.Token);
                await cts.CancelAsync();
                tally.AddCancelled();
                return read > 0 ? null : $"request {i}: an empty stream";
            }

            string text = await response.Content.ReadAsStringAsync();
            if (stream ? !text.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal) : !IsCompletion(text))
            {
                return $"request {i}: an incomplete answer: {text[..Math.Min(200, text.Length)]}";
            }

            tally.AddOk();
            return null;
        }
        catch (OperationCanceledException) when (cancel)
        {
            tally.AddCancelled();
            return null;
        }
        catch (HttpRequestException ex)
        {
            return $"request {i}: {ex.Message}";
        }
    }

    private static bool IsCompletion(string text)
    {
        using JsonDocument doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString() is "stop" or "length";
    }

    private static async Task WaitIdleAsync(SceneServer server)
    {
        PaliGemmaServerState state = server.App.Services.GetRequiredService<PaliGemmaServerState>();
        IChatClient chat = server.App.Services.GetRequiredKeyedService<IChatClient>("paligemma");
        var deadline = Stopwatch.StartNew();
        PaliGemmaChatStatistics stats = chat.GetService<PaliGemmaChatStatistics>()!;
        while ((state.InFlight != 0 || stats.RunningRequests != 0 || stats.QueuedRequests != 0) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            stats = chat.GetService<PaliGemmaChatStatistics>()!;
        }

        Assert.Equal(0, state.InFlight);
        Assert.Equal((0, 0), (stats.RunningRequests, stats.QueuedRequests));
    }

    private static (long Heap, long Rss) Memory()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using Process self = Process.GetCurrentProcess();
        self.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64);
    }

    private sealed class Tally
    {
        private int _ok;
        private int _rejected;
        private int _cancelled;
        private int _unexpected;
        private int _rejectedBeforeCancel;

        public int Ok => _ok;

        public int Rejected => _rejected;

        public int Cancelled => _cancelled;

        public int Unexpected => _unexpected;

        public int RejectedBeforeCancel => _rejectedBeforeCancel;

        public void AddOk() => Interlocked.Increment(ref _ok);

        public void AddRejected(bool wouldCancel)
        {
            Interlocked.Increment(ref _rejected);
            if (wouldCancel)
            {
                Interlocked.Increment(ref _rejectedBeforeCancel);
            }
        }

        public void AddCancelled() => Interlocked.Increment(ref _cancelled);

        public void AddUnexpected() => Interlocked.Increment(ref _unexpected);

        public override string ToString() => $"{_ok} answered, {_rejected} rejected with 429, {_cancelled} cancelled mid-stream ({_rejectedBeforeCancel} meant to be cancelled were rejected first), {_unexpected} unexpected";
    }
}

/// <summary>Runs <see cref="LoadTests"/> with no other test at the same time.</summary>
[CollectionDefinition(LoadTests.Name, DisableParallelization = true)]
public sealed class LoadCollection;
