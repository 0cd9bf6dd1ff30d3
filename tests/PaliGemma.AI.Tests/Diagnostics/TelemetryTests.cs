using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Chat;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Diagnostics;

/// <summary>
/// The "PaliGemma" ActivitySource and Meter seen through ActivityListener / MeterListener. Listeners are process-wide
/// and other test classes run in parallel, so a recorder keeps only what happens in its own async flow.
/// </summary>
[Collection(ChatModelCollection.Name)]
public sealed class TelemetryTests(ChatTestModels models)
{
    [Fact]
    public async Task Second_request_on_the_same_image_is_a_cache_hit_and_output_tokens_equal_usage()
    {
        using var client = new PaliGemmaChatClient(models.Pg2);
        byte[] image = TestImages.Png(41);
        using var recorder = new TelemetryRecorder();

        ChatResponse first = await recorder.RunAsync(() => client.GetResponseAsync(Ask("caption en", image), new ChatOptions { MaxOutputTokens = 5 }));
        ChatResponse second = await recorder.RunAsync(() => client.GetResponseAsync(Ask("detect circle", image), new ChatOptions { MaxOutputTokens = 7 }));

        Assert.Equal([1L], recorder.Longs("paligemma.image_cache.misses"));
        Assert.Equal([1L], recorder.Longs("paligemma.image_cache.hits"));
        Assert.Single(recorder.Doubles("paligemma.vision.encode.duration"));
        Assert.Single(recorder.Spans("paligemma.vision.encode"));
        Assert.Single(recorder.Spans("paligemma.image.preprocess"));

        long[] output = recorder.Longs("gen_ai.client.token.usage", "gen_ai.token.type", "output");
        Assert.Equal([first.Usage!.OutputTokenCount!.Value, second.Usage!.OutputTokenCount!.Value], output);
        long[] input = recorder.Longs("gen_ai.client.token.usage", "gen_ai.token.type", "input");
        Assert.Equal([first.Usage.InputTokenCount!.Value, second.Usage.InputTokenCount!.Value], input);

        Assert.Equal(2, recorder.Doubles("paligemma.prefill.duration").Length);
        Assert.All(recorder.Doubles("gen_ai.server.time_to_first_token"), s => Assert.True(s > 0));
        Assert.Equal(2, recorder.Doubles("gen_ai.server.time_to_first_token").Length);
        Assert.Equal([0d, 0d], recorder.Doubles("paligemma.queue.wait.duration"));

        Activity[] prefill = recorder.Spans("paligemma.prefill");
        Activity[] decode = recorder.Spans("paligemma.decode");
        Assert.Equal(2, prefill.Length);
        Assert.Equal(2, decode.Length);
        Assert.All(prefill.Concat(decode), span =>
        {
            Assert.Equal(models.Pg2.ModelId, span.GetTagItem("gen_ai.request.model"));
            Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        });
        Assert.Equal(second.Usage.OutputTokenCount, (int?)decode[1].GetTagItem("gen_ai.usage.output_tokens"));
        Assert.True(prefill[0].StartTimeUtc + prefill[0].Duration <= decode[0].StartTimeUtc + TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void Model_load_has_a_span_and_a_duration()
    {
        using var recorder = new TelemetryRecorder();
        recorder.Run(() =>
        {
            using PaliGemmaModel model = PaliGemmaModel.Load(models.PathOf("pg1"));
            return model.ModelId;
        });

        Activity load = Assert.Single(recorder.Spans("paligemma.model.load"));
        Assert.Equal("cpu", load.GetTagItem("paligemma.execution_provider"));
        Assert.Equal(ActivityStatusCode.Unset, load.Status);
        double seconds = Assert.Single(recorder.Doubles("paligemma.model.load.duration"));
        Assert.True(seconds > 0);
    }

    [Fact]
    public async Task Queue_length_counts_a_waiting_request_and_its_wait_is_recorded()
    {
        var gate = new ConcurrencyGate(1, maxQueueLength: null);
        using var recorder = new TelemetryRecorder();

        await recorder.RunAsync(async () =>
        {
            using var held = await gate.EnterAsync(CancellationToken.None);
            var waiter = gate.EnterAsync(CancellationToken.None).AsTask();
            Assert.Equal([1L], recorder.Longs("paligemma.queue.length"));
            held.Dispose();
            using var second = await waiter;
            return 0;
        });

        Assert.Equal([1L, -1L], recorder.Longs("paligemma.queue.length"));
        double[] waits = recorder.Doubles("paligemma.queue.wait.duration");
        Assert.Equal(2, waits.Length);
        Assert.Equal(0d, waits[0]);
        Assert.True(waits[1] > 0);
    }

    [Fact]
    public void Missing_native_library_becomes_a_model_exception_naming_the_cpu_and_cuda_packages()
    {
        var loaderError = new TypeInitializationException("Microsoft.ML.OnnxRuntimeGenAI.NativeMethods", new DllNotFoundException("Unable to load shared library 'onnxruntime-genai'"));

        Assert.True(NativeRuntimeCheck.IsMissingNativeLibrary(loaderError, out var missing));
        PaliGemmaModelException error = NativeRuntimeCheck.MissingRuntime(missing!, loaderError);

        Assert.Contains("dotnet add package Microsoft.ML.OnnxRuntimeGenAI'", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet add package Microsoft.ML.OnnxRuntimeGenAI.Cuda'", error.Message, StringComparison.Ordinal);
        Assert.Contains("onnxruntime-genai", error.Message, StringComparison.Ordinal);
        Assert.Same(loaderError, error.InnerException);
        Assert.False(NativeRuntimeCheck.IsMissingNativeLibrary(new InvalidOperationException("other", new IOException()), out _));
    }

    /// <summary>Collects the PaliGemma spans and measurements made inside <see cref="Run{T}"/> / <see cref="RunAsync{T}"/>.</summary>
    private sealed class TelemetryRecorder : IDisposable
    {
        private static readonly AsyncLocal<TelemetryRecorder?> Current = new();
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ConcurrentQueue<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _values = new();

        public TelemetryRecorder()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == PaliGemmaTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (Current.Value == this)
                    {
                        _spans.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_activities);
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PaliGemmaTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            _meters.Start();
        }

        public T Run<T>(Func<T> action)
        {
            Current.Value = this;
            try
            {
                return action();
            }
            finally
            {
                Current.Value = null;
            }
        }

        public async Task<T> RunAsync<T>(Func<Task<T>> action)
        {
            Current.Value = this;
            try
            {
                return await action();
            }
            finally
            {
                Current.Value = null;
            }
        }

        public Activity[] Spans(string name) => [.. _spans.Where(s => s.OperationName == name)];

        public double[] Doubles(string name) => [.. _values.Where(v => v.Name == name).Select(v => v.Value)];

        public long[] Longs(string name) => [.. _values.Where(v => v.Name == name).Select(v => (long)v.Value)];

        public long[] Longs(string name, string tag, string value) =>
            [.. _values.Where(v => v.Name == name && v.Tags.Any(t => t.Key == tag && Equals(t.Value, value))).Select(v => (long)v.Value)];

        public void Dispose()
        {
            _activities.Dispose();
            _meters.Dispose();
        }

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Current.Value == this)
            {
                _values.Enqueue((instrument.Name, value, tags.ToArray()));
            }
        }
    }
}
