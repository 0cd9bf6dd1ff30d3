using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// Tiny fp32 folders for the batching tests: the runtime fixture's PaliGemma 1 and 2 folders (full-sequence logits), and the
/// same shapes converted as <c>paligemma convert</c> does by default (last-position logits only), the PaliGemma 2 one with an
/// 8-token sliding window so that right padding would shift the window if it were measured in KV-cache indices.
/// </summary>
public sealed class BatchingModelFolders : IDisposable
{
    private readonly Lazy<string> _pg1Last = new(() => Convert(TinyModelFixture.OptionsOf(TinyModelKind.PaliGemma1At224), "pg1-last"));
    private readonly Lazy<string> _pg2LastWindow = new(() => Convert(TinyModelFixture.OptionsOf(TinyModelKind.PaliGemma2At224) with { SlidingWindow = 8 }, "pg2-last-window8"));

    /// <summary>The folder of a variant: <c>pg1</c>, <c>pg2</c> (full logits), <c>pg1-last</c>, <c>pg2-last-window8</c>.</summary>
    public string Folder(string variant) => variant switch
    {
        "pg1" => TinyModelFixture.FolderOf(TinyModelKind.PaliGemma1At224),
        "pg2" => TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224),
        "pg1-last" => _pg1Last.Value,
        "pg2-last-window8" => _pg2LastWindow.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Lazy<string> folder in new[] { _pg1Last, _pg2LastWindow })
        {
            if (folder.IsValueCreated)
            {
                TinyModelFixture.DeleteFolder(folder.Value);
            }
        }
    }

    private static string Convert(TinyModelOptions options, string name)
    {
        string root = Path.Combine(Path.GetTempPath(), "paligemma-batching-" + name + "-" + Guid.NewGuid().ToString("N"));
        string checkpoint = Path.Combine(root, "hf");
        string folder = Path.Combine(root, "model");
        TinyModelGenerator.Generate(checkpoint, options);
        PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = checkpoint,
            OutputDirectory = folder,
            Precision = ModelPrecision.Float32,
            ModelId = "tiny-" + name,
            Decoder = new DecoderExportOptions { LastTokenLogitsOnly = true },
        });
        return folder;
    }
}

/// <summary>
/// Batched generation: greedy requests that share one generator produce exactly the tokens they produce alone (fp32), with
/// different prompt lengths, images and a text-only row in one batch, a row that finishes early and a row cancelled mid-batch.
/// </summary>
public sealed class BatchedGenerationTests(BatchingModelFolders folders, ITestOutputHelper output) : IClassFixture<BatchingModelFolders>
{
    public static TheoryData<string> Variants => ["pg1", "pg2", "pg1-last", "pg2-last-window8"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Batched_greedy_tokens_equal_the_tokens_of_each_request_alone(string variant)
    {
        string folder = folders.Folder(variant);
        using var alone = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = 1 });
        Assert.False(alone.BatchingEnabled);
        Request[] requests = Requests(alone);
        int[][] expected = [.. requests.Select(r => Ids(alone.Generate(r.Features, r.Prompt, r.Settings)))];

        using var batched = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = requests.Length, BatchWindow = TimeSpan.FromSeconds(1) });
        Assert.True(batched.BatchingEnabled);
        int[][] actual = RunTogether(batched, requests, cancelAfter: null);

        for (int i = 0; i < requests.Length; i++)
        {
            output.WriteLine($"{variant} row {i} ({requests[i].Name}, {requests[i].Prompt.Length} prompt tokens): {string.Join(",", actual[i])}");
            Assert.Equal(expected[i], actual[i]);
        }

        Assert.Equal((1L, (long)requests.Length), batched.BatchCounts);
        Assert.InRange(expected[2].Length, 1, 3); // the early finisher leaves while the others go on
        Assert.True(expected.Select(e => string.Join(",", e)).Distinct().Count() > 2, "the tiny model gave the same answer to different requests");
    }

    [Theory]
    [InlineData("pg1-last")]
    [InlineData("pg2-last-window8")]
    public void A_row_cancelled_mid_batch_does_not_disturb_the_others(string variant)
    {
        string folder = folders.Folder(variant);
        using var alone = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = 1 });
        Request[] requests = Requests(alone);
        int[][] expected = [.. requests.Select(r => Ids(alone.Generate(r.Features, r.Prompt, r.Settings)))];

        using var batched = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = requests.Length, BatchWindow = TimeSpan.FromSeconds(1) });
        const int cancelled = 1;
        int[][] actual = RunTogether(batched, requests, cancelAfter: (cancelled, 2));

        Assert.Equal(expected[cancelled].Take(2), actual[cancelled]);
        for (int i = 0; i < requests.Length; i++)
        {
            if (i != cancelled)
            {
                Assert.Equal(expected[i], actual[i]);
            }
        }

        Assert.Equal((1L, (long)requests.Length), batched.BatchCounts);
    }

    [Fact]
    public void A_caller_that_stops_enumerating_leaves_and_the_model_keeps_serving()
    {
        string folder = folders.Folder("pg1-last");
        using var model = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = 4, BatchWindow = TimeSpan.Zero });
        Request r = Requests(model)[0];
        int[] full = Ids(model.Generate(r.Features, r.Prompt, r.Settings));
        int[] firstTwo = [.. model.Generate(r.Features, r.Prompt, r.Settings).Take(2).Select(t => t.Id)];
        int[] again = Ids(model.Generate(r.Features, r.Prompt, r.Settings));

        Assert.Equal(full.Take(2), firstTwo);
        Assert.Equal(full, again);
        Assert.Equal(3L, model.BatchCounts.Batches); // each ran in its own generator (no other request in the window)
    }

    [Fact]
    public void Sampling_requests_run_alone()
    {
        string folder = folders.Folder("pg1-last");
        using var model = PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = 4 });
        Request r = Requests(model)[0];
        var settings = new PaliGemmaGenerationSettings { MaxNewTokens = 4, Temperature = 0.8f, Seed = 3 };
        Assert.Equal(Ids(model.Generate(r.Features, r.Prompt, settings)), Ids(model.Generate(r.Features, r.Prompt, settings)));
        Assert.Equal((0L, 0L), model.BatchCounts);
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        string folder = folders.Folder("pg1");
        Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { MaxBatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { BatchWindow = TimeSpan.FromMilliseconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PaliGemmaModel.Load(folder, new PaliGemmaModelOptions { BatchWindow = TimeSpan.FromSeconds(2) }));
    }

    [Fact]
    public void A_format_version_1_folder_loads_and_runs_every_request_alone()
    {
        string copy = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma1At224);
        try
        {
            string manifestPath = Path.Combine(copy, PaliGemmaManifest.FileName);
            string json = File.ReadAllText(manifestPath);
            Assert.Contains("\"format_version\": 2", json, StringComparison.Ordinal);
            File.WriteAllText(manifestPath, json.Replace("\"format_version\": 2", "\"format_version\": 1", StringComparison.Ordinal));

            using var model = PaliGemmaModel.Load(copy, new PaliGemmaModelOptions { MaxBatchSize = 8 });
            Assert.Equal(1, model.Manifest.FormatVersion);
            Assert.False(model.BatchingEnabled);
            Request r = Requests(model)[0];
            Assert.NotEmpty(Ids(model.Generate(r.Features, r.Prompt, r.Settings)));
        }
        finally
        {
            TinyModelFixture.DeleteFolder(copy);
        }
    }

    /// <summary>Five greedy requests: two images, prompts of different lengths, a text-only row, an early finisher.</summary>
    private static Request[] Requests(PaliGemmaModel model)
    {
        float[] a = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 31));
        float[] b = model.EncodeImage(TinyModelFixture.Pixels(model.ImageSize, 32));
        PaliGemmaTokenIds ids = model.Manifest.TokenIds;
        var long16 = new PaliGemmaGenerationSettings { MaxNewTokens = 16 };
        return
        [
            new("caption, image A", a, model.BuildPromptIds("caption en"), long16),
            new("long detect prompt, image B", b, model.BuildPromptIds("detect cat ; dog ; traffic light ; the big red car"), long16),
            new("answer, image A, 3 tokens", a, model.BuildPromptIds("answer en what is in the picture"), new PaliGemmaGenerationSettings { MaxNewTokens = 3 }),
            new("text only", [], [ids.Bos, .. model.Tokenize("caption en"), ids.Newline], long16),
            new("ocr, image B", b, model.BuildPromptIds("ocr"), new PaliGemmaGenerationSettings { MaxNewTokens = 12 }),
        ];
    }

    /// <summary>Starts every request on its own thread at the same moment and collects the tokens each one received.</summary>
    private static int[][] RunTogether(PaliGemmaModel model, Request[] requests, (int Row, int Tokens)? cancelAfter)
    {
        using var start = new Barrier(requests.Length);
        var results = new int[requests.Length][];
        var outcomes = new string[requests.Length];
        var threads = requests.Select((r, i) => new Thread(() =>
        {
            using var cts = new CancellationTokenSource();
            var got = new List<int>();
            start.SignalAndWait();
            try
            {
                foreach (GeneratedToken token in model.Generate(r.Features, r.Prompt, r.Settings, cts.Token))
                {
                    got.Add(token.Id);
                    if (cancelAfter is { } c && c.Row == i && got.Count == c.Tokens)
                    {
                        cts.Cancel();
                    }
                }

                outcomes[i] = "completed";
            }
            catch (OperationCanceledException)
            {
                outcomes[i] = "cancelled";
            }
            catch (Exception ex)
            {
                outcomes[i] = ex.ToString();
            }

            results[i] = [.. got];
        })).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        for (int i = 0; i < requests.Length; i++)
        {
            Assert.Equal(cancelAfter is { } c && c.Row == i ? "cancelled" : "completed", outcomes[i]);
        }

        return results;
    }

    private static int[] Ids(IEnumerable<GeneratedToken> tokens) => [.. tokens.Select(t => t.Id)];

    private sealed record Request(string Name, float[] Features, int[] Prompt, PaliGemmaGenerationSettings Settings);
}
