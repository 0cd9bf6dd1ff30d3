using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PaliGemma.AspNetCore.OpenAI;

/// <summary>
/// Turns an OpenAI chat-completions request into M.E.AI messages and options, refusing (with the field named) what
/// this server cannot honour: tools, JSON output, several choices, log probabilities, penalties, images that are not
/// <c>data:</c> URIs or URLs of an allowed host, more than one image.
/// </summary>
internal static class ChatCompletionRequestReader
{
    public static (List<ChatMessage> Messages, ChatOptions Options, string ImageParam) Read(ChatCompletionRequest request, PaliGemmaServerOptions server)
    {
        CheckUnsupported(request);
        var options = new ChatOptions();
        int? maxTokens = request.MaxCompletionTokens ?? request.MaxTokens;
        string maxParam = request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
        if (maxTokens is { } max)
        {
            Check(max >= 1 && max <= server.MaxOutputTokens, $"'{maxParam}' is {max}; it must be between 1 and {server.MaxOutputTokens}.", maxParam);
            options.MaxOutputTokens = max;
        }

        if (request.Temperature is { } t)
        {
            Check(float.IsFinite(t) && t >= 0f && t <= 2f, $"'temperature' is {t.ToString(CultureInfo.InvariantCulture)}; it must be between 0 and 2 (0 = greedy).", "temperature");
            options.Temperature = t;
        }

        if (request.TopP is { } p)
        {
            Check(p > 0f && p <= 1f, $"'top_p' is {p.ToString(CultureInfo.InvariantCulture)}; it must be in (0, 1].", "top_p");
            options.TopP = p;
        }

        if (request.TopK is { } k)
        {
            Check(k >= 1, $"'top_k' is {k}; it must be at least 1.", "top_k");
            options.TopK = k;
        }

        options.Seed = request.Seed;
        if (request.Adapter is { } adapter)
        {
            // A PaliGemma extension: one of the model's run-time LoRA adapters (the model checks the name).
            Check(!string.IsNullOrWhiteSpace(adapter), "'adapter' is empty; name one of the model's run-time adapters or leave it out.", "adapter");
            options.WithPaliGemmaAdapter(adapter);
        }

        options.StopSequences = ReadStop(request.Stop);

        Check(request.Messages is { Count: > 0 }, "'messages' must be a non-empty array.", "messages");
        int userIndex = -1;
        for (int i = 0; i < request.Messages!.Count; i++)
        {
            ChatMessageWire? m = request.Messages[i];
            Check(m is not null, $"'messages[{i}]' is null.", $"messages[{i}]");
            Check(m!.Role is "system" or "developer" or "user" or "assistant" or "tool", $"'messages[{i}].role' is '{m.Role}'; expected system, developer, user, assistant or tool.", $"messages[{i}].role");
            if (m.Role == "user")
            {
                userIndex = i;
            }
        }

        // PaliGemma is not a multi-turn model: the last user message is the request (as in PaliGemmaChatClient).
        Check(userIndex >= 0, "'messages' holds no user message; send one with the task text and one image.", "messages");
        var user = new ChatMessage(ChatRole.User, ReadContent(request.Messages[userIndex]!.Content, userIndex, server));
        int images = user.Contents.Count(c => c is DataContent or UriContent);
        Check(images <= 1, $"'messages[{userIndex}].content' holds {images} images; PaliGemma takes exactly one image per request. Send one request per image.", $"messages[{userIndex}].content", "too_many_images");
        Check(images == 1, $"'messages[{userIndex}].content' holds no image; add one 'image_url' part with a data: URI.", $"messages[{userIndex}].content", "image_missing");
        int part = user.Contents.ToList().FindIndex(c => c is DataContent or UriContent);
        string imageParam = request.Messages[userIndex]!.Content!.Value.ValueKind == JsonValueKind.Array
            ? $"messages[{userIndex}].content[{part}].image_url.url"
            : $"messages[{userIndex}].content";
        return ([user], options, imageParam);
    }

    private static void CheckUnsupported(ChatCompletionRequest r)
    {
        Check(r.N is null or 1, $"'n' is {r.N}; this server returns one choice per request.", "n", "unsupported_parameter");
        Check(IsAbsent(r.Tools) || r.Tools is { ValueKind: JsonValueKind.Array } a && a.GetArrayLength() == 0, "'tools' are not supported: PaliGemma does not call tools.", "tools", "unsupported_parameter");
        Check(IsAbsent(r.Functions), "'functions' are not supported: PaliGemma does not call functions.", "functions", "unsupported_parameter");
        Check(IsAbsent(r.FunctionCall) || r.FunctionCall is { ValueKind: JsonValueKind.String } fc && fc.GetString() == "none", "'function_call' is not supported: PaliGemma does not call functions.", "function_call", "unsupported_parameter");
        Check(IsAbsent(r.ToolChoice) || r.ToolChoice is { ValueKind: JsonValueKind.String } tc && tc.GetString() is "none" or "auto", "'tool_choice' is not supported: PaliGemma does not call tools.", "tool_choice", "unsupported_parameter");
        Check(IsAbsent(r.ResponseFormat) || IsTextFormat(r.ResponseFormat!.Value), "'response_format' other than {\"type\":\"text\"} is not supported: PaliGemma writes its own output format.", "response_format", "unsupported_parameter");
        Check(r.Logprobs is null or false, "'logprobs' is not supported.", "logprobs", "unsupported_parameter");
        Check(r.TopLogprobs is null or 0, "'top_logprobs' is not supported.", "top_logprobs", "unsupported_parameter");
        Check(r.PresencePenalty is null or 0f, "'presence_penalty' is not supported (only 0).", "presence_penalty", "unsupported_parameter");
        Check(r.FrequencyPenalty is null or 0f, "'frequency_penalty' is not supported (only 0).", "frequency_penalty", "unsupported_parameter");
        Check(IsAbsent(r.LogitBias) || r.LogitBias is { ValueKind: JsonValueKind.Object } lb && !lb.EnumerateObject().Any(), "'logit_bias' is not supported.", "logit_bias", "unsupported_parameter");
        Check(IsAbsent(r.Modalities) || r.Modalities is { ValueKind: JsonValueKind.Array } md && md.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String && e.GetString() == "text"), "'modalities' other than [\"text\"] are not supported.", "modalities", "unsupported_parameter");
    }

    private static bool IsAbsent(JsonElement? e) => e is null || e.Value.ValueKind == JsonValueKind.Null;

    private static bool IsTextFormat(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text";

    private static List<string>? ReadStop(JsonElement? stop)
    {
        if (IsAbsent(stop))
        {
            return null;
        }

        JsonElement e = stop!.Value;
        if (e.ValueKind == JsonValueKind.String)
        {
            string s = e.GetString()!;
            Check(s.Length > 0, "'stop' is an empty string.", "stop");
            return [s];
        }

        Check(e.ValueKind == JsonValueKind.Array, "'stop' must be a string or an array of up to 4 strings.", "stop");
        var list = new List<string>();
        foreach (JsonElement item in e.EnumerateArray())
        {
            Check(item.ValueKind == JsonValueKind.String && item.GetString()!.Length > 0, "'stop' must hold non-empty strings.", "stop");
            list.Add(item.GetString()!);
        }

        Check(list.Count <= 4, $"'stop' holds {list.Count} sequences; at most 4 are accepted.", "stop");
        return list.Count > 0 ? list : null;
    }

    private static List<AIContent> ReadContent(JsonElement? content, int index, PaliGemmaServerOptions server)
    {
        string param = $"messages[{index}].content";
        Check(!IsAbsent(content), $"'{param}' is missing.", param);
        JsonElement c = content!.Value;
        if (c.ValueKind == JsonValueKind.String)
        {
            return [new TextContent(c.GetString())];
        }

        Check(c.ValueKind == JsonValueKind.Array, $"'{param}' must be a string or an array of content parts.", param);
        var parts = new List<AIContent>();
        int j = 0;
        foreach (JsonElement part in c.EnumerateArray())
        {
            string partParam = $"{param}[{j}]";
            Check(part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String, $"'{partParam}' must be an object with a 'type'.", partParam);
            string type = part.GetProperty("type").GetString()!;
            switch (type)
            {
                case "text":
                    Check(part.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String, $"'{partParam}.text' must be a string.", $"{partParam}.text");
                    parts.Add(new TextContent(part.GetProperty("text").GetString()));
                    break;
                case "image_url":
                    parts.Add(ReadImage(part, partParam, server));
                    break;
                default:
                    throw new RequestRejectedException($"'{partParam}.type' is '{type}'; this server accepts 'text' and 'image_url' parts.", $"{partParam}.type", code: "unsupported_content");
            }

            j++;
        }

        return parts;
    }

    private static AIContent ReadImage(JsonElement part, string partParam, PaliGemmaServerOptions server)
    {
        string urlParam = $"{partParam}.image_url.url";
        string? url = null;
        if (part.TryGetProperty("image_url", out JsonElement imageUrl))
        {
            if (imageUrl.ValueKind == JsonValueKind.String)
            {
                url = imageUrl.GetString();
            }
            else if (imageUrl.ValueKind == JsonValueKind.Object && imageUrl.TryGetProperty("url", out JsonElement u) && u.ValueKind == JsonValueKind.String)
            {
                url = u.GetString();
            }
        }

        Check(!string.IsNullOrEmpty(url), $"'{urlParam}' must be a string (a data:image/...;base64 URI).", urlParam);
        return ImageUrls.Read(url!, urlParam, server);
    }

    private static void Check(bool condition, string message, string? param, string? code = null)
    {
        if (!condition)
        {
            throw new RequestRejectedException(message, param, code: code);
        }
    }
}
