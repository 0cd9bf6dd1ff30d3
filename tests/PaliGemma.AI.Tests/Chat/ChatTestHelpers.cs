using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>Builders and independent reference runs for chat tests.</summary>
internal static class ChatTestHelpers
{
    public static ChatMessage[] Ask(string text, byte[] png) =>
        [new ChatMessage(ChatRole.User, [new TextContent(text), new DataContent(png, "image/png")])];

    public static ChatMessage[] Ask(string text, params AIContent[] contents) =>
        [new ChatMessage(ChatRole.User, [new TextContent(text), .. contents])];

    /// <summary>Runs the model directly (no chat client): the tokens greedy decoding produces for this image and prefix.</summary>
    public static List<GeneratedToken> Reference(PaliGemmaModel model, byte[] png, string prefix, int maxNewTokens)
    {
        var pixels = PaliGemmaImageProcessor.Preprocess(png, model.ImageSize).PixelValues;
        var features = model.EncodeImage(pixels);
        return [.. model.Generate(features, model.BuildPromptIds(prefix), new PaliGemmaGenerationSettings { MaxNewTokens = maxNewTokens }, CancellationToken.None)];
    }

    /// <summary>The text of reference tokens (stop token excluded), decoded as a batch with <see cref="PaliGemmaModel.Decode"/>.</summary>
    public static string ReferenceText(PaliGemmaModel model, List<GeneratedToken> tokens)
        => model.Decode([.. tokens.Where(t => !t.IsStop).Select(t => t.Id)]);

    public static async Task<List<ChatResponseUpdate>> CollectAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var list = new List<ChatResponseUpdate>();
        await foreach (var update in updates)
        {
            list.Add(update);
        }

        return list;
    }
}
