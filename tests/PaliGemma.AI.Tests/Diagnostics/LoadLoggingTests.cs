using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Chat;

namespace PaliGemma.AI.Tests.Diagnostics;

/// <summary>A model load reports its stages and writes one Information line with path, provider, precision, threads and time.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class LoadLoggingTests(ChatTestModels models)
{
    [Fact]
    public void Load_reports_each_stage_and_logs_one_information_line()
    {
        var logger = new ListLogger();
        var stages = new List<PaliGemmaLoadProgress>();
        string folder = models.PathOf("pg2");

        using (PaliGemmaModel model = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { IntraOpNumThreads = 1, Logger = logger, Progress = new Recorder(stages) }))
        {
            Assert.Equal(model.ModelId, models.Pg2.ModelId);
        }

        Assert.Equal(["model folder", "decoder", "tokenizer", "vision encoder", "loaded"], stages.Select(s => s.Stage));
        Assert.Equal([1, 2, 3, 4, 4], stages.Select(s => s.Step));
        Assert.All(stages, s => Assert.Equal(4, s.Steps));
        Assert.Equal([false, false, false, false, true], stages.Select(s => s.Done));

        (LogLevel level, string message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, level);
        Assert.Contains(Path.GetFullPath(folder), message, StringComparison.Ordinal);
        Assert.Contains("provider cpu", message, StringComparison.Ordinal);
        Assert.Contains($"precision {models.Pg2.Manifest.Precision}", message, StringComparison.Ordinal);
        Assert.Contains("intra-op threads 1", message, StringComparison.Ordinal);
        Assert.Matches(@"in \d+\.\d\d s\.$", message);
    }

    private sealed class Recorder(List<PaliGemmaLoadProgress> list) : IProgress<PaliGemmaLoadProgress>
    {
        public void Report(PaliGemmaLoadProgress value) => list.Add(value);
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
