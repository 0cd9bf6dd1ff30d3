using System.Text.Json;
using System.Text.Json.Serialization;
using PaliGemma.AI;

namespace PaliGemma.Cli.Batch;

/// <summary>One line of <c>paligemma batch</c>'s JSONL output: a result, or an error for an image that could not be processed.</summary>
/// <param name="Source">The image path as listed.</param>
/// <param name="Width">The image width in pixels (results only).</param>
/// <param name="Height">The image height in pixels (results only).</param>
/// <param name="Results">The pipeline's result tree (results only).</param>
/// <param name="Timings">Wall-clock timings (results only).</param>
/// <param name="Error">What went wrong (errors only).</param>
internal sealed record BatchLine(string Source, int? Width, int? Height, VisionPipelineResult? Results, BatchTimings? Timings, BatchError? Error);

/// <summary>Per-image timings in milliseconds.</summary>
/// <param name="ReadMs">Reading the file.</param>
/// <param name="PipelineMs">Running the pipeline.</param>
internal sealed record BatchTimings(double ReadMs, double PipelineMs);

/// <summary>Why an image has no result.</summary>
/// <param name="Code">A stable code: the image error reason (<c>Corrupt</c>, <c>Truncated</c>, …), <c>Io</c> or <c>Model</c>.</param>
/// <param name="Message">A readable message.</param>
internal sealed record BatchError(string Code, string Message);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BatchLine))]
internal sealed partial class BatchJsonContext : JsonSerializerContext;
