using Microsoft.Extensions.AI;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>
/// Stands in for a PaliGemma model with known answers, so tool results can be checked number by number:
/// <c>detect …</c> → one box, <c>segment …</c> → one box with 16 mask codes, anything else → fixed text.
/// </summary>
internal sealed class FakePaliGemmaServer : IChatClient
{
    // Image 320×240: y1 = 512/1024·240 = 120, x1 = 64/1024·320 = 20, y2 = 768/1024·240 = 180, x2 = 400/1024·320 = 125.
    public const string DetectAnswer = "<loc0512><loc0064><loc0768><loc0400> car";

    public static readonly string SegmentAnswer =
        "<loc0512><loc0064><loc0768><loc0400>" + string.Concat(Enumerable.Range(0, 16).Select(i => $"<seg{(i * 7) % 128:000}>")) + " car";

    public List<string> Prompts { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        string prompt = messages.Last().Text;
        Prompts.Add(prompt);
        string answer = prompt.StartsWith("detect ", StringComparison.Ordinal) ? DetectAnswer
            : prompt.StartsWith("segment ", StringComparison.Ordinal) ? SegmentAnswer
            : "a red car on a road";
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
