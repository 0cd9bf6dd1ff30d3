using Microsoft.Extensions.AI;

namespace PaliGemma.AI.Tests.Segmentation;

/// <summary>
/// A stand-in PaliGemma server that answers every request with a fixed text and exposes a mask decoder through
/// <see cref="IChatClient.GetService"/>, as <see cref="PaliGemmaChatClient"/> does for a folder with one.
/// </summary>
internal sealed class MaskServingChatClient(string answer, MaskDecoder? decoder) : IChatClient
{
    public int Requests { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests++;
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The vision service uses GetResponseAsync.");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(MaskDecoder) ? decoder : null;

    public void Dispose()
    {
    }
}
