using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PaliGemma.AspNetCore.Tests;

/// <summary>
/// Sits in front of the PaliGemma chat client; when armed, the next streamed request stops after its first update
/// (still holding the model's generation slot) until <see cref="Release"/>.
/// </summary>
public sealed class HoldingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private int _armed;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Release() => _release.TrySetResult();

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        bool hold = Interlocked.Exchange(ref _armed, 0) == 1;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            yield return update;
            if (hold)
            {
                hold = false;
                Held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
            }
        }
    }
}
