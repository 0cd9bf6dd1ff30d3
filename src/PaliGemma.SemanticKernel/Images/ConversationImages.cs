using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// Finds the latest image attached to the conversation a tool is being called from: the messages of
/// <see cref="FunctionInvokingChatClient.CurrentContext"/> (Microsoft.Extensions.AI tool calling, including Semantic
/// Kernel over an <see cref="IChatClient"/>), or the chat history captured by <see cref="ConversationImageFilter"/>
/// (Semantic Kernel auto function calling over an <see cref="IChatCompletionService"/>).
/// </summary>
public static class ConversationImages
{
    private static readonly AsyncLocal<ChatHistory?> CurrentHistory = new();

    /// <summary>Gets the chat history of the Semantic Kernel function call in progress on this async flow, if any.</summary>
    internal static ChatHistory? History
    {
        get => CurrentHistory.Value;
        set => CurrentHistory.Value = value;
    }

    /// <summary>Returns the latest image of the current conversation, or null when there is none.</summary>
    /// <returns>The image.</returns>
    public static DataContent? FindLatest()
    {
        if (FunctionInvokingChatClient.CurrentContext?.Messages is { } messages && FindLatest(messages) is { } image)
        {
            return image;
        }

        return History is { } history ? FindLatest(history) : null;
    }

    /// <summary>Returns the latest image (a <see cref="DataContent"/> with an <c>image/*</c> media type) in <paramref name="messages"/>.</summary>
    /// <param name="messages">The conversation.</param>
    /// <returns>The image, or null.</returns>
    public static DataContent? FindLatest(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (ChatMessage message in messages.Reverse())
        {
            for (int i = message.Contents.Count - 1; i >= 0; i--)
            {
                if (message.Contents[i] is DataContent data && data.HasTopLevelMediaType("image"))
                {
                    return data;
                }
            }
        }

        return null;
    }

    /// <summary>Returns the latest image with inline data in a Semantic Kernel chat history.</summary>
    /// <param name="history">The history.</param>
    /// <returns>The image, or null.</returns>
    public static DataContent? FindLatest(ChatHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        for (int m = history.Count - 1; m >= 0; m--)
        {
            ChatMessageContentItemCollection items = history[m].Items;
            for (int i = items.Count - 1; i >= 0; i--)
            {
                if (items[i] is ImageContent { Data: { Length: > 0 } data } image)
                {
                    return new DataContent(data, image.MimeType ?? "image/*");
                }
            }
        }

        return null;
    }
}
