using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// Turns M.E.AI messages and options into a <see cref="PaliGemmaChatRequest"/>, refusing anything PaliGemma cannot
/// honour with an exception that names the problem.
/// </summary>
internal static class ChatRequestReader
{
    /// <summary>Reads and validates a request.</summary>
    /// <param name="messages">The conversation; only the last user message is used.</param>
    /// <param name="options">The chat options, or null.</param>
    /// <returns>The request; its image is read later, by the <see cref="ImageIntake"/> stage, which applies the source policy.</returns>
    /// <exception cref="ArgumentException">No user message, no image, several images, non-image media or bad prompt text.</exception>
    /// <exception cref="NotSupportedException">Tools, a JSON response format, an unknown URI scheme, or unsupported content.</exception>
    public static PaliGemmaChatRequest Read(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        CheckOptions(options);

        var user = messages.LastOrDefault(m => m is not null && m.Role == ChatRole.User) ?? throw new ArgumentException(
            "The messages contain no user message. PaliGemma needs a user message with one image and the task text (for example \"caption en\").",
            nameof(messages));

        var text = new StringBuilder();
        var images = new List<AIContent>();
        foreach (var content in user.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case DataContent d:
                    CheckDataContent(d);
                    images.Add(d);
                    break;
                case UriContent u:
                    images.Add(CheckUriContent(u));
                    break;
                case null:
                    break;
                default:
                    throw new NotSupportedException(
                        $"The user message holds a {content.GetType().Name}; the PaliGemma chat client accepts only text, one image DataContent or one image UriContent.");
            }
        }

        if (images.Count == 0)
        {
            throw new ArgumentException(
                "The last user message holds no image. Add exactly one image as DataContent (image/*), or as UriContent with a data: or file: URI.",
                nameof(messages));
        }

        if (images.Count > 1)
        {
            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "The last user message holds {0} images; PaliGemma takes exactly one image per request. Send one request per image.", images.Count),
                nameof(messages));
        }

        return new PaliGemmaChatRequest(ResolvePrefix(text.ToString(), options), images[0]);
    }

    private static void CheckOptions(ChatOptions? options)
    {
        if (options is null)
        {
            return;
        }

        if (options.Tools is { Count: > 0 } tools)
        {
            var names = string.Join(", ", tools.Select(t => $"'{t.Name}'"));
            throw new NotSupportedException(
                $"PaliGemma cannot call tools, but ChatOptions.Tools holds {tools.Count.ToString(CultureInfo.InvariantCulture)} tool(s): {names}. Remove the tools for this client.");
        }

        if (options.ResponseFormat is ChatResponseFormatJson)
        {
            throw new NotSupportedException(
                "PaliGemma cannot produce JSON output (ChatOptions.ResponseFormat is JSON). Use the text format and the typed results of IPaliGemmaVision instead.");
        }

        if (options.MaxOutputTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxOutputTokens, "ChatOptions.MaxOutputTokens must be at least 1.");
        }
    }

    private static void CheckDataContent(DataContent data)
    {
        if (!data.HasTopLevelMediaType("image"))
        {
            throw new ArgumentException(
                $"The user message holds data of media type '{data.MediaType}'; PaliGemma accepts only images (image/*).",
                "messages");
        }
    }

    private static AIContent CheckUriContent(UriContent content)
    {
        var uri = content.Uri;
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The image URI '{uri}' is relative; use an absolute file: or data: URI.", "messages");
        }

        switch (uri.Scheme)
        {
            case "data":
                return content; // decoded (media type and size checked) by the intake stage
            case "file" or "http" or "https":
                CheckUriMediaType(content);
                return content; // whether files and URLs may be read is the intake stage's policy (ImageSourceOptions)
            default:
                throw new NotSupportedException(
                    $"The image URI scheme '{uri.Scheme}' is not supported; use DataContent, or a UriContent with a data: or file: URI.");
        }
    }

    private static void CheckUriMediaType(UriContent content)
    {
        if (!content.HasTopLevelMediaType("image"))
        {
            throw new ArgumentException(
                $"The UriContent '{content.Uri}' has media type '{content.MediaType}'; PaliGemma accepts only images (image/*).",
                "messages");
        }
    }

    private static string ResolvePrefix(string text, ChatOptions? options)
    {
        var trimmed = text.Trim();
        var task = options.GetPaliGemmaTask();
        if (task is not null)
        {
            var prompt = task.ToPrompt();
            if (trimmed.Length != 0 && !string.Equals(trimmed, prompt, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"The message text \"{Shorten(trimmed)}\" differs from the task set with WithPaliGemmaTask (\"{Shorten(prompt)}\"). Leave the text empty or make it equal to the task's prompt.",
                    "messages");
            }

            return prompt;
        }

        if (trimmed.Length == 0)
        {
            throw new ArgumentException(
                "The last user message has no text. Give the PaliGemma task as text (for example \"caption en\" or \"detect cat ; dog\"), or set it with ChatOptions.WithPaliGemmaTask.",
                "messages");
        }

        foreach (var c in trimmed)
        {
            if (!PromptTextValidator.IsForbiddenInPrompt(c))
            {
                continue;
            }

            throw new ArgumentException(
                PromptTextValidator.IsSpecialTokenDelimiter(c)
                    ? $"The prompt text \"{Shorten(trimmed)}\" contains '{c}'. Special tokens such as <image> or <loc0000> cannot be written in the prompt."
                    : $"The prompt text \"{Shorten(trimmed)}\" contains a line break or control character (U+{(int)c:X4}). PaliGemma ends the prefix at a newline, so the prompt must be one line.",
                "messages");
        }

        return trimmed;
    }

    private static string Shorten(string value)
    {
        const int Max = 80;
        var printable = new string([.. value.Select(c => char.IsControl(c) ? '?' : c)]);
        return printable.Length <= Max ? printable : string.Concat(printable.AsSpan(0, Max), "…");
    }
}
