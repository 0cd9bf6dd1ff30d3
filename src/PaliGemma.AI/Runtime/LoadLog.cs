using Microsoft.Extensions.Logging;

namespace PaliGemma.AI.Runtime;

/// <summary>The one place that reports a finished model load: the Information line, the detokenizer-fallback Warning and the last progress report.</summary>
internal static partial class LoadLog
{
    /// <summary>The number of load stages reported through <see cref="PaliGemmaModelOptions.Progress"/>.</summary>
    public const int Steps = 4;

    /// <summary>Reports a loaded model.</summary>
    public static void Loaded(PaliGemmaModelOptions options, PaliGemmaModel model, TimeSpan elapsed)
    {
        options.Progress?.Report(new PaliGemmaLoadProgress(Steps, Steps, "loaded", Done: true));
        if (options.Logger is not { } logger)
        {
            return;
        }

        string threads = options.IntraOpNumThreads > 0
            ? options.IntraOpNumThreads.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "runtime default";
        ModelLoaded(logger, model.ModelId, model.ModelPath, options.ExecutionProvider, model.Manifest.Precision, threads, elapsed.TotalSeconds);
        if (model.DecoderFallbackReason is { } reason)
        {
            DetokenizerFallback(logger, model.ModelId, reason);
        }
    }

    [LoggerMessage(10, LogLevel.Information, "Loaded PaliGemma model {ModelId} from {ModelPath}: provider {ExecutionProvider}, precision {Precision}, intra-op threads {Threads}, in {LoadSeconds:F2} s.")]
    private static partial void ModelLoaded(ILogger logger, string modelId, string modelPath, string executionProvider, string precision, string threads, double loadSeconds);

    [LoggerMessage(11, LogLevel.Warning, "PaliGemma model {ModelId}: text is decoded by ONNX Runtime GenAI's detokenizer, not the tokenizer.json decoder chain ({Reason}); byte tokens and spacing may differ from Hugging Face.")]
    private static partial void DetokenizerFallback(ILogger logger, string modelId, string reason);
}
