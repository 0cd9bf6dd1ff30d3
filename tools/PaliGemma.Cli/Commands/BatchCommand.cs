using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.Cli.Batch;
using PaliGemma.Rendering;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma batch --model DIR --input DIR|FILE.txt --task "detect cat ; dog" [--then "caption en"] --output results.jsonl
/// [--coco coco.json] [--annotate OUT_DIR] [--resume] [--concurrency N]</c>: runs a <see cref="VisionPipeline"/> over many
/// images, one JSON line per image (or an error line for an image that cannot be read; a bad image never stops the run).
/// </summary>
/// <remarks>
/// Memory stays bounded: the input listing is streamed, at most <c>--concurrency</c> images are in flight, every line is
/// flushed as soon as it is written (in input order), and the COCO file is made at the end by re-reading the results file.
/// Ctrl+C (SIGINT) or SIGTERM abandons the images in flight and leaves a valid results file (and, with <c>--coco</c>, a valid
/// COCO file of the images finished), exit code 130; <c>--resume</c> skips the images already in it.
/// </remarks>
internal static class BatchCommand
{
    /// <summary>Builds the <c>batch</c> command.</summary>
    public static Command Create()
    {
        Option<DirectoryInfo?> model = ModelOption.Create("The model folder (with mask_decoder.onnx for segment masks).");
        var input = new Option<string>("--input", "-i") { Description = "A folder of images (searched recursively) or a text file with one image path per line.", Required = true };
        var task = new Option<string[]>("--task", "-t") { Description = "A whole-image step: 'detect a ; b', 'segment a ; b', 'caption en', 'ocr' or 'answer en QUESTION'; repeatable, run in order (e.g. one 'segment' per class).", Required = true, AllowMultipleArgumentsPerToken = false };
        var then = new Option<string[]>("--then") { Description = "A follow-up run on each found object's crop ('caption en', 'ocr', 'answer en QUESTION'); repeatable.", AllowMultipleArgumentsPerToken = false };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The JSONL results file.", Required = true };
        var coco = new Option<FileInfo?>("--coco") { Description = "Also write the detections and masks as a COCO JSON file." };
        var annotate = new Option<DirectoryInfo?>("--annotate") { Description = "Also write each image with its boxes and masks drawn into this folder." };
        var resume = new Option<bool>("--resume") { Description = "Keep the results file and skip the images already in it." };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Images processed at once.", DefaultValueFactory = _ => 1 };
        var padding = new Option<float>("--crop-padding") { Description = "Padding around each box before cropping, as a fraction of its size.", DefaultValueFactory = _ => 0f };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens generated per request.", DefaultValueFactory = _ => 128 };

        var command = new Command("batch", "Run a vision pipeline over a folder or list of images: JSONL results, optional COCO export and annotated images.")
        {
            model, input, task, then, output, coco, annotate, resume, concurrency, padding, maxTokens,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            new BatchRequest(
                parse.GetValue(model)?.FullName,
                parse.GetRequiredValue(input),
                parse.GetRequiredValue(task),
                parse.GetValue(then) ?? [],
                parse.GetRequiredValue(output).FullName,
                parse.GetValue(coco)?.FullName,
                parse.GetValue(annotate)?.FullName,
                parse.GetValue(resume),
                parse.GetValue(concurrency),
                parse.GetValue(padding),
                parse.GetValue(maxTokens)),
            Console.Error,
            cancellationToken));
        return command;
    }

    /// <summary>Runs a batch; returns the exit code (0 done, 1 bad arguments or model, 130 cancelled).</summary>
    internal static async Task<int> ExecuteAsync(BatchRequest request, TextWriter error, CancellationToken cancellationToken)
    {
        // Ctrl+C (SIGINT) and SIGTERM cancel the run here rather than ending the process, so the images in flight are
        // abandoned, the results file is closed after its last complete line, and the exit code is 130.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await ExecuteCoreAsync(request, error, stop.Token).ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
            error.WriteLine($"{context.Signal}: stopping; the images in flight are abandoned");
        }
    }

    private static async Task<int> ExecuteCoreAsync(BatchRequest request, TextWriter error, CancellationToken cancellationToken)
    {
        VisionPipeline pipeline;
        try
        {
            if (request.Concurrency < 1)
            {
                throw new ArgumentException($"--concurrency must be positive, got {request.Concurrency}.");
            }

            if (request.MaxTokens < 1)
            {
                throw new ArgumentException($"--max-tokens must be positive, got {request.MaxTokens}.");
            }

            pipeline = VisionPipeline.FromSteps(request.Tasks.Select(VisionStep.Parse))
                .ForEachObject(request.Then.Select(VisionStep.Parse))
                .WithCropPadding(request.CropPadding)
                .WithMaxConcurrency(Math.Max(4, request.Concurrency));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }

        try
        {
            HashSet<string> done = request.Resume ? BatchOutput.ScanAndRepair(request.OutputPath) : [];
            if (request.Resume && done.Count > 0)
            {
                error.WriteLine($"resuming: {done.Count} image(s) already in {request.OutputPath}");
            }

            int total = BatchInputs.Enumerate(request.InputPath).Count(p => !done.Contains(p));
            string modelPath = request.ModelPath ?? ModelOption.Resolve(null, error);
            // No batched generation: with 4-bit weights a batched row's greedy tokens can differ from the same request run
            // alone (docs/generation.md, "Exactness"), and which requests share a batch depends on timing, so a resumed
            // run could not promise the lines of an uninterrupted one. One generation at a time keeps every core.
            using PaliGemmaChatClient client = await PaliGemmaChatClient.LoadAsync(modelPath, new PaliGemmaModelOptions { MaxBatchSize = 1 }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = request.MaxTokens });
            if (request.AnnotatePath is { } annotateFolder)
            {
                Directory.CreateDirectory(annotateFolder);
            }

            var counts = new BatchCounts();
            bool cancelled = false;
            using (var stream = new FileStream(request.OutputPath, request.Resume ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read))
            {
                var timer = Stopwatch.StartNew();
                Func<Task> run = () => RunAsync(request, pipeline, vision, done, stream, counts, cancellationToken);
                try
                {
                    if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
                    {
                        await AnsiConsole.Progress()
                            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                            .StartAsync(async context =>
                            {
                                ProgressTask bar = context.AddTask("images", maxValue: Math.Max(1, total));
                                counts.Progress = () =>
                                {
                                    bar.Value = counts.Processed;
                                    bar.Description = string.Create(CultureInfo.InvariantCulture, $"{counts.Processed}/{total} images, {counts.Processed / Math.Max(0.001, timer.Elapsed.TotalSeconds):F2} images/s, {counts.Errors} error(s)");
                                };
                                await run().ConfigureAwait(false);
                            }).ConfigureAwait(false);
                    }
                    else
                    {
                        counts.Progress = () =>
                        {
                            if (counts.Processed % 50 == 0 || counts.Processed == total)
                            {
                                double rate = counts.Processed / Math.Max(0.001, timer.Elapsed.TotalSeconds);
                                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{counts.Processed}/{total} images, {rate:F2} images/s, ETA {(total - counts.Processed) / Math.Max(rate, 1e-9):F0} s"));
                            }
                        };
                        await run().ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                }
            }

            error.WriteLine($"{counts.Processed} image(s) processed ({counts.Errors} error line(s)), {done.Count} skipped; results in {request.OutputPath}");
            if (request.CocoPath is { } cocoPath)
            {
                // Also after Ctrl+C: the COCO file then holds the images finished so far (a resumed run rewrites it whole).
                IEnumerable<string> labels = pipeline.Steps.SelectMany(s => s.Labels).Distinct(StringComparer.Ordinal);
                var (images, annotations, skipped) = BatchOutput.WriteCoco(request.OutputPath, cocoPath, labels);
                error.WriteLine($"wrote {cocoPath}: {images} image(s), {annotations} annotation(s); {skipped} object(s) with labels not asked for left out");
            }

            if (cancelled)
            {
                error.WriteLine("cancelled: the results file holds every finished image; rerun with --resume to continue");
                return 130;
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is PaliGemmaModelException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static async Task RunAsync(BatchRequest request, VisionPipeline pipeline, IPaliGemmaVision vision, HashSet<string> done, FileStream stream, BatchCounts counts, CancellationToken cancellationToken)
    {
        // Windows of --concurrency images run together and are written in input order, so a resumed run writes the same lines.
        var window = new List<string>(request.Concurrency);
        foreach (string path in BatchInputs.Enumerate(request.InputPath))
        {
            if (done.Contains(path))
            {
                continue;
            }

            window.Add(path);
            if (window.Count == request.Concurrency)
            {
                await RunWindowAsync(window, request, pipeline, vision, stream, counts, cancellationToken).ConfigureAwait(false);
                window.Clear();
            }
        }

        await RunWindowAsync(window, request, pipeline, vision, stream, counts, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunWindowAsync(List<string> window, BatchRequest request, VisionPipeline pipeline, IPaliGemmaVision vision, FileStream stream, BatchCounts counts, CancellationToken cancellationToken)
    {
        if (window.Count == 0)
        {
            return;
        }

        BatchLine[] lines = await Task.WhenAll(window.Select(p => ProcessAsync(p, request, pipeline, vision, cancellationToken))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (BatchLine line in lines)
        {
            BatchOutput.Append(stream, line);
            counts.Processed++;
            counts.Errors += line.Error is null ? 0 : 1;
            counts.Progress?.Invoke();
        }
    }

    private static async Task<BatchLine> ProcessAsync(string path, BatchRequest request, VisionPipeline pipeline, IPaliGemmaVision vision, CancellationToken cancellationToken)
    {
        var timer = Stopwatch.StartNew();
        try
        {
            var length = new FileInfo(path).Length;
            if (length > ImageLoadOptions.DefaultMaxEncodedBytes)
            {
                return Failed(path, "TooLarge", $"The file has {length} bytes, over the {ImageLoadOptions.DefaultMaxEncodedBytes}-byte limit.");
            }

            byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            double readMs = timer.Elapsed.TotalMilliseconds;
            timer.Restart();
            VisionPipelineResult result = await pipeline.RunAsync(vision, new DataContent(bytes, "image/*"), cancellationToken).ConfigureAwait(false);
            double pipelineMs = timer.Elapsed.TotalMilliseconds;
            if (request.AnnotatePath is { } folder && result.Objects.Count > 0)
            {
                IEnumerable<SegmentedObject> drawn = result.Objects.Select(o => new SegmentedObject(o.Label, o.Box, []) { Mask = o.Mask });
                string name = Path.GetFileNameWithoutExtension(path) + "-" + StableHash(Path.GetFullPath(path)).ToString("x8", CultureInfo.InvariantCulture) + ".png";
                await File.WriteAllBytesAsync(Path.Combine(folder, name), AnnotatedImageRenderer.Render(bytes, drawn), cancellationToken).ConfigureAwait(false);
            }

            return new BatchLine(path, result.ImageWidth, result.ImageHeight, result, new BatchTimings(Math.Round(readMs, 2), Math.Round(pipelineMs, 2)), null);
        }
        catch (PaliGemmaImageException ex)
        {
            return Failed(path, ex.Reason.ToString(), ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(path, "Io", ex.Message);
        }
        catch (PaliGemmaModelException ex)
        {
            return Failed(path, "Model", ex.Message);
        }
    }

    // FNV-1a over the UTF-16 code units: the same path gives the same annotated file name in every run.
    private static uint StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }

    private static BatchLine Failed(string path, string code, string message) => new(path, null, null, null, null, new BatchError(code, message));

    private sealed class BatchCounts
    {
        public int Processed { get; set; }

        public int Errors { get; set; }

        public Action? Progress { get; set; }
    }
}

/// <summary>The arguments of one <c>paligemma batch</c> run.</summary>
internal sealed record BatchRequest(
    string? ModelPath, string InputPath, IReadOnlyList<string> Tasks, IReadOnlyList<string> Then, string OutputPath, string? CocoPath,
    string? AnnotatePath, bool Resume, int Concurrency, float CropPadding, int MaxTokens);
