using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using PaliGemma.AI;

namespace PaliGemma.Cli.Bench;

/// <summary>Times one streaming request through <see cref="PaliGemmaChatClient"/> (image bytes + prompt text, greedy).</summary>
internal static class ChatClientProbe
{
    /// <summary>
    /// Sends the request and returns its timings: time to first token = until the first streamed text (or the final usage
    /// update when the text is empty); decode = first to last update; tokens = the usage's output tokens.
    /// </summary>
    public static async Task<GenerationTiming> RunAsync(IChatClient client, byte[] image, string mediaType, string prompt, int maxTokens)
    {
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, [new DataContent(image, mediaType), new TextContent(prompt)])];
        var options = new ChatOptions { MaxOutputTokens = maxTokens, Temperature = 0f };
        var text = new StringBuilder();
        var clock = Stopwatch.StartNew();
        double first = -1, last = 0;
        long tokens = 0;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options).ConfigureAwait(false))
        {
            double now = clock.Elapsed.TotalMilliseconds;
            foreach (AIContent content in update.Contents)
            {
                if (content is UsageContent usage)
                {
                    tokens = usage.Details.OutputTokenCount ?? tokens;
                }
            }

            if (update.Text.Length > 0 || first < 0)
            {
                text.Append(update.Text);
                if (first < 0 && (update.Text.Length > 0 || tokens > 0))
                {
                    first = now;
                }
            }

            last = now;
        }

        return new GenerationTiming(first, (last - first) / 1000.0, (int)tokens, null, text.ToString(), last);
    }
}
