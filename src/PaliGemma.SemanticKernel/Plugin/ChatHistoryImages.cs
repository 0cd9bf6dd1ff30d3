using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace PaliGemma.SemanticKernel;

/// <summary>Finds images in a Semantic Kernel <see cref="ChatHistory"/> (the Microsoft.Extensions.AI side is <see cref="PaliGemma.AI.ConversationImages"/>).</summary>
public static class ChatHistoryImages
{
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
