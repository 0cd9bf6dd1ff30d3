using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaliGemma.AspNetCore.OpenAI;

// The OpenAI chat-completions wire format, only the parts this server reads or writes. Fields that take several
// shapes (content, stop, tools, response_format) are JsonElement and checked by ChatCompletionRequestReader.

internal sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("messages")] public List<ChatMessageWire?>? Messages { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptionsWire? StreamOptions { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }
    [JsonPropertyName("temperature")] public float? Temperature { get; set; }
    [JsonPropertyName("top_p")] public float? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    [JsonPropertyName("adapter")] public string? Adapter { get; set; }
    [JsonPropertyName("stop")] public JsonElement? Stop { get; set; }
    [JsonPropertyName("n")] public int? N { get; set; }
    [JsonPropertyName("tools")] public JsonElement? Tools { get; set; }
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; set; }
    [JsonPropertyName("functions")] public JsonElement? Functions { get; set; }
    [JsonPropertyName("function_call")] public JsonElement? FunctionCall { get; set; }
    [JsonPropertyName("response_format")] public JsonElement? ResponseFormat { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    [JsonPropertyName("presence_penalty")] public float? PresencePenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public float? FrequencyPenalty { get; set; }
    [JsonPropertyName("logit_bias")] public JsonElement? LogitBias { get; set; }
    [JsonPropertyName("modalities")] public JsonElement? Modalities { get; set; }
}

internal sealed class StreamOptionsWire
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; set; }
}

internal sealed class ChatMessageWire
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public JsonElement? Content { get; set; }
}

internal sealed class ChatCompletionResponse
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; init; } = "chat.completion";
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("choices")] public required List<ChatChoiceWire> Choices { get; init; }
    [JsonPropertyName("usage")] public UsageWire? Usage { get; init; }
    [JsonPropertyName("paligemma_metrics")] public MetricsWire? Metrics { get; init; }
}

internal sealed class ChatChoiceWire
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("message")] public required AssistantMessageWire Message { get; init; }
    [JsonPropertyName("finish_reason")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? FinishReason { get; init; }
    [JsonPropertyName("logprobs")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public object? Logprobs { get; init; }
}

internal sealed class AssistantMessageWire
{
    [JsonPropertyName("role")] public string Role { get; init; } = "assistant";
    [JsonPropertyName("content")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Content { get; init; }
    [JsonPropertyName("refusal")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Refusal { get; init; }
}

internal sealed class ChatCompletionChunk
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; init; } = "chat.completion.chunk";
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("choices")] public required List<ChunkChoiceWire> Choices { get; init; }
    [JsonPropertyName("usage")] public UsageWire? Usage { get; init; }
    [JsonPropertyName("paligemma_metrics")] public MetricsWire? Metrics { get; init; }
}

internal sealed class ChunkChoiceWire
{
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("delta")] public required DeltaWire Delta { get; init; }
    [JsonPropertyName("finish_reason")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? FinishReason { get; init; }
}

internal sealed class DeltaWire
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
}

internal sealed class UsageWire
{
    [JsonPropertyName("prompt_tokens")] public long PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public long CompletionTokens { get; init; }
    [JsonPropertyName("total_tokens")] public long TotalTokens { get; init; }
}

/// <summary>
/// The figures of one request (<see cref="PaliGemma.AI.PaliGemmaRequestMetrics"/>), an extension of the wire formats:
/// <c>paligemma_metrics</c> in chat completions, <c>metrics</c> in the typed vision results.
/// </summary>
internal sealed class MetricsWire
{
    [JsonPropertyName("queue_ms")] public double QueueMs { get; init; }
    [JsonPropertyName("vision_ms")] public double VisionMs { get; init; }
    [JsonPropertyName("image_cache_hit")] public bool ImageCacheHit { get; init; }
    [JsonPropertyName("time_to_first_token_ms")] public double? TimeToFirstTokenMs { get; init; }
    [JsonPropertyName("duration_ms")] public double DurationMs { get; init; }
    [JsonPropertyName("input_tokens")] public int InputTokens { get; init; }
    [JsonPropertyName("output_tokens")] public int OutputTokens { get; init; }
    [JsonPropertyName("output_tokens_per_second")] public double? OutputTokensPerSecond { get; init; }

    public static MetricsWire? From(PaliGemma.AI.PaliGemmaRequestMetrics? metrics) => metrics is null ? null : new MetricsWire
    {
        QueueMs = Math.Round(metrics.QueueWait.TotalMilliseconds, 3),
        VisionMs = Math.Round(metrics.ImageFeatures.TotalMilliseconds, 3),
        ImageCacheHit = metrics.ImageFeaturesReused,
        TimeToFirstTokenMs = metrics.TimeToFirstToken is { } first ? Math.Round(first.TotalMilliseconds, 3) : null,
        DurationMs = Math.Round(metrics.Duration.TotalMilliseconds, 3),
        InputTokens = metrics.InputTokens,
        OutputTokens = metrics.OutputTokens,
        OutputTokensPerSecond = metrics.OutputTokensPerSecond is { } rate ? Math.Round(rate, 2) : null,
    };
}

internal sealed class ModelListWire
{
    [JsonPropertyName("object")] public string Object { get; init; } = "list";
    [JsonPropertyName("data")] public required List<ModelWire> Data { get; init; }
}

internal sealed class ModelWire
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string Object { get; init; } = "model";
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("owned_by")] public string OwnedBy { get; init; } = "paligemma";
}

internal sealed class ErrorResponseWire
{
    [JsonPropertyName("error")] public required ErrorWire Error { get; init; }
}

internal sealed class ErrorWire
{
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("param")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Param { get; init; }
    [JsonPropertyName("code")][JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Code { get; init; }
}

internal sealed class VisionRequestWire
{
    [JsonPropertyName("image")] public string? Image { get; set; }
    [JsonPropertyName("labels")] public JsonElement? Labels { get; set; }
    [JsonPropertyName("question")] public string? Question { get; set; }
    [JsonPropertyName("language")] public string? Language { get; set; }
}

/// <summary>Source-generated metadata of the wire types (nulls omitted unless a property says otherwise).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.Strict, AllowTrailingCommas = false, ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelListWire))]
[JsonSerializable(typeof(ErrorResponseWire))]
[JsonSerializable(typeof(VisionRequestWire))]
[JsonSerializable(typeof(MetricsWire))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
