using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// Finds the latest image attached to the conversation a tool is being called from: the messages of
/// <see cref="FunctionInvokingChatClient.CurrentContext"/> (Microsoft.Extensions.AI tool calling, including Semantic
/// Kernel over an <see cref="IChatClient"/>), or, when a host has set one for the current call (the Semantic Kernel
/// package's <c>ConversationImageFilter</c> does), that host's own conversation.
/// </summary>
public static class ConversationImages
{
    private static readonly AsyncLocal<Func<DataContent?>?> CurrentHostFinder = new();

    /// <summary>
    /// Gets or sets the finder of the host's conversation for the tool call in progress on this async flow, if any
    /// (set by the Semantic Kernel auto-function-invocation filter).
    /// </summary>
    internal static Func<DataContent?>? HostFinder
    {
        get => CurrentHostFinder.Value;
        set => CurrentHostFinder.Value = value;
    }

    /// <summary>Returns the latest image of the current conversation, or null when there is none.</summary>
    /// <returns>The image.</returns>
    public static DataContent? FindLatest()
    {
        if (FunctionInvokingChatClient.CurrentContext?.Messages is { } messages && FindLatest(messages) is { } image)
        {
            return image;
        }

        return HostFinder?.Invoke();
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
}
