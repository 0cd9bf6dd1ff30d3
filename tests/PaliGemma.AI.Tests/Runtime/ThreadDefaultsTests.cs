using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Chat;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Issue 27 item 1: with no thread count set, the sessions use the process's cores, split between concurrent generations; load logs the choice.</summary>
public sealed class ThreadDefaultsTests
{
    [Theory]
    [InlineData(0, 1, 8, 8)]
    [InlineData(0, 2, 8, 4)]
    [InlineData(0, 3, 8, 2)]
    [InlineData(0, 16, 4, 1)]
    [InlineData(0, 1, 1, 1)]
    [InlineData(0, 1, 0, 1)]
    [InlineData(5, 4, 8, 5)]
    [InlineData(1, 1, 64, 1)]
    public void Resolve_divides_the_available_cores_unless_a_count_is_set(int requested, int concurrency, int cores, int expected)
    {
        ThreadSettings settings = ThreadSettings.Resolve(requested, concurrency, allowSpinning: null, cores);
        Assert.Equal(expected, settings.IntraOpThreads);
        Assert.Equal(requested == 0, settings.Automatic);
        Assert.Equal(ThreadSettings.DefaultAllowSpinning, settings.AllowSpinning);
    }

    [Fact]
    public void Resolve_keeps_an_explicit_spinning_choice()
    {
        Assert.True(ThreadSettings.Resolve(0, 1, allowSpinning: true, 4).AllowSpinning);
        Assert.False(ThreadSettings.Resolve(0, 1, allowSpinning: false, 4).AllowSpinning);
    }

    [Fact]
    public void Resolve_rejects_invalid_values()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadSettings.Resolve(-1, 1, null, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadSettings.Resolve(0, 0, null, 4));
    }

    [Fact]
    public void Load_without_a_thread_count_uses_the_processor_count_and_logs_it()
    {
        var logger = new ListLogger();
        using PaliGemmaModel model = PaliGemmaModel.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), options: null, logger);
        Assert.Equal(Environment.ProcessorCount, model.IntraOpNumThreads);
        string line = Assert.Single(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("intra-op threads", StringComparison.Ordinal)).Message;
        Assert.Contains($"intra-op threads {Environment.ProcessorCount} per session (automatic", line, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Load_keeps_an_explicit_thread_count_and_says_so()
    {
        var logger = new ListLogger();
        using PaliGemmaModel model = PaliGemmaModel.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), new PaliGemmaModelOptions { IntraOpNumThreads = 3, ConcurrentGenerations = 2 }, logger);
        Assert.Equal(3, model.IntraOpNumThreads);
        Assert.Contains(logger.Entries, e => e.Message.Contains("intra-op threads 3 per session (set by PaliGemmaModelOptions.IntraOpNumThreads", StringComparison.Ordinal));
    }

    [Fact]
    public void Chat_client_splits_the_cores_between_concurrent_generations()
    {
        int concurrency = Environment.ProcessorCount + 1;
        using PaliGemmaChatClient client = PaliGemmaChatClient.Load(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224),
            new PaliGemmaModelOptions { MaxBatchSize = 1 },
            options: new PaliGemmaChatClientOptions { MaxConcurrency = concurrency });
        Assert.False(client.Model.BatchingEnabled);
        Assert.Equal(1, client.Model.IntraOpNumThreads);
    }

    [Fact]
    public void With_batching_the_cores_are_split_between_batches_not_requests()
    {
        // Up to MaxBatchSize concurrent greedy requests share one generator, so they share its threads.
        using PaliGemmaChatClient batched = PaliGemmaChatClient.Load(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224),
            new PaliGemmaModelOptions { MaxBatchSize = 4 },
            options: new PaliGemmaChatClientOptions { MaxConcurrency = 4 });
        Assert.True(batched.Model.BatchingEnabled);
        Assert.Equal(Environment.ProcessorCount, batched.Model.IntraOpNumThreads);

        using PaliGemmaChatClient twoBatches = PaliGemmaChatClient.Load(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224),
            new PaliGemmaModelOptions { MaxBatchSize = 2 },
            options: new PaliGemmaChatClientOptions { MaxConcurrency = 4 });
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), twoBatches.Model.IntraOpNumThreads);
    }

    [Fact]
    public async Task By_default_the_chat_client_takes_one_batch_at_once_and_gives_it_every_core()
    {
        // Automatic concurrency: a batching model takes MaxBatchSize requests at once, and they share one generator, so
        // the threads are not split; a model that does not batch takes one request at a time, also with every core.
        using PaliGemmaChatClient batched = PaliGemmaChatClient.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224));
        Assert.True(batched.Model.BatchingEnabled);
        Assert.Equal((8, 8), (batched.Model.MaxBatchSize, batched.MaxConcurrency));
        Assert.Equal(Environment.ProcessorCount, batched.Model.IntraOpNumThreads);

        // Eight concurrent requests reach the decoder together: the hold keeps the forming batch open until it is full.
        var release = new TaskCompletionSource();
        batched.Model.HoldBatchesUntil(release.Task);
        try
        {
            var image = TestImages.Png(3);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => batched.GetResponseAsync(
                [new ChatMessage(ChatRole.User, [new DataContent(image, "image/png"), new TextContent("caption en")])],
                new ChatOptions { MaxOutputTokens = 2 })))).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            release.TrySetResult();
        }

        Assert.Equal((1L, 8L), batched.Model.BatchCounts);

        using PaliGemmaChatClient alone = PaliGemmaChatClient.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), new PaliGemmaModelOptions { MaxBatchSize = 1 });
        Assert.False(alone.Model.BatchingEnabled);
        Assert.Equal((1, 1), (alone.Model.MaxBatchSize, alone.MaxConcurrency));
        Assert.Equal(Environment.ProcessorCount, alone.Model.IntraOpNumThreads);

        using PaliGemmaChatClient chosen = PaliGemmaChatClient.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), options: new PaliGemmaChatClientOptions { MaxConcurrency = 3 });
        Assert.Equal(3, chosen.MaxConcurrency);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PaliGemmaChatClient(chosen.Model, new PaliGemmaChatClientOptions { MaxConcurrency = -1 }));
    }

    [Fact]
    public void Concurrent_generations_below_one_are_rejected()
        => Assert.ThrowsAny<ArgumentException>(() => PaliGemmaModel.Load(
            TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224), new PaliGemmaModelOptions { ConcurrentGenerations = 0 }));

    [Fact]
    public void Float16_folder_on_cpu_warns_with_the_cost_and_the_fix()
    {
        var logger = new ListLogger();
        using PaliGemmaModel model = PaliGemmaModel.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224Fp16), options: null, logger);
        string warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning).Message;
        Assert.Contains("float16", warning, StringComparison.Ordinal);
        Assert.Contains("3x its file size in memory", warning, StringComparison.Ordinal);
        Assert.Contains("no faster than fp32", warning, StringComparison.Ordinal);
        Assert.Contains("paligemma convert", warning, StringComparison.Ordinal);
        Assert.Contains("--precision int4", warning, StringComparison.Ordinal);
    }

    /// <summary>Collects formatted log lines.</summary>
    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
