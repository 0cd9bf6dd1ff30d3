using Microsoft.Extensions.Logging;

namespace PaliGemma.AI.Runtime;

/// <summary>The one place that reports a model load: the Information lines (load, threads), the float16-on-CPU and detokenizer-fallback Warnings and the last progress report.</summary>
internal static partial class LoadLog
{
    /// <summary>
    /// A float16 folder on the CPU provider. Measured (docs/performance.md, PaliGemma 1 widths on x64): ONNX Runtime's
    /// CPU kernels have no float16 MatMul fast path, so such a folder holds about 3× its file size in memory and
    /// decodes no faster than fp32 (int4 of the same checkpoint: about a fifth of fp16's memory, about 5× its decode rate).
    /// </summary>
    public static void Float16OnCpu(ILogger logger, string folder, long folderBytes)
        => Float16Warning(logger, folder, folderBytes / 1e9, 3 * folderBytes / 1e9);

    /// <summary>The size of the folder's ONNX files (graphs and external weights).</summary>
    public static long FolderBytes(string folder)
    {
        try
        {
            return Directory.EnumerateFiles(folder, "*.onnx*").Sum(f => new FileInfo(f).Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "PaliGemma model folder {Folder} holds float16 weights ({SizeGb:F2} GB) and runs on the CPU provider: ONNX Runtime's CPU kernels have no float16 fast path, so expect about 3x its file size in memory (~{MemoryGb:F1} GB) and decoding no faster than fp32 (docs/performance.md). Convert the checkpoint for CPU with `paligemma convert --input CHECKPOINT --output DIR --precision int4` (or `--precision auto`, which picks int4 for --target cpu).")]
    private static partial void Float16Warning(ILogger logger, string folder, double sizeGb, double memoryGb);

    /// <summary>The number of load stages reported through <see cref="PaliGemmaModelOptions.Progress"/>.</summary>
    public const int Steps = 4;

    /// <summary>Reports a loaded model.</summary>
    public static void Loaded(PaliGemmaModelOptions options, ILogger logger, PaliGemmaModel model, ThreadSettings threads, int generators, TimeSpan elapsed)
    {
        options.Progress?.Report(new PaliGemmaLoadProgress(Steps, Steps, "loaded", Done: true));
        string choice = threads.Automatic
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"automatic: {threads.AvailableCores} core(s) available to the process / {generators} concurrent generator(s); set PaliGemmaModelOptions.IntraOpNumThreads to override")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"set by PaliGemmaModelOptions.IntraOpNumThreads; {threads.AvailableCores} core(s) available to the process");
        ModelLoaded(logger, model.ModelId, model.ModelPath, options.ExecutionProvider, model.Manifest.Precision, threads.IntraOpThreads, choice, elapsed.TotalSeconds);
        if (model.DecoderFallbackReason is { } reason)
        {
            DetokenizerFallback(logger, model.ModelId, reason);
        }
    }

    [LoggerMessage(10, LogLevel.Information, "Loaded PaliGemma model {ModelId} from {ModelPath}: provider {ExecutionProvider}, precision {Precision}, intra-op threads {Threads} per session ({ThreadChoice}), in {LoadSeconds:F2} s.")]
    private static partial void ModelLoaded(ILogger logger, string modelId, string modelPath, string executionProvider, string precision, int threads, string threadChoice, double loadSeconds);

    [LoggerMessage(11, LogLevel.Warning, "PaliGemma model {ModelId}: text is decoded by ONNX Runtime GenAI's detokenizer, not the tokenizer.json decoder chain ({Reason}); byte tokens and spacing may differ from Hugging Face.")]
    private static partial void DetokenizerFallback(ILogger logger, string modelId, string reason);
}
