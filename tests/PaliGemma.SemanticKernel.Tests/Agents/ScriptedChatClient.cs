using Microsoft.Extensions.AI;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>
/// A fake orchestrating LLM: each call returns the next scripted response and records the messages it was sent,
/// so tests can read exactly what the tools returned to the "LLM".
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private readonly Func<int, IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse> _script;

    public ScriptedChatClient(Func<int, IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse> script) => _script = script;

    /// <summary>Gets the messages of every call, in order.</summary>
    public List<IReadOnlyList<ChatMessage>> Calls { get; } = [];

    /// <summary>Gets the tools offered on every call.</summary>
    public List<IList<AITool>?> OfferedTools { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Calls.Add(list);
        OfferedTools.Add(options?.Tools);
        return Task.FromResult(_script(Calls.Count - 1, list, options));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>A response that calls one tool.</summary>
    public static ChatResponse Call(string callId, string name, Dictionary<string, object?> arguments) =>
        new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, name, arguments)]));

    /// <summary>A final text response.</summary>
    public static ChatResponse Say(string text) => new(new ChatMessage(ChatRole.Assistant, text));
}
