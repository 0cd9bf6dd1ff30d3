namespace PaliGemma.AI.Tests.Chat;

public sealed class ConcurrencyGateTests
{
    [Fact]
    public async Task Requests_beyond_the_slots_wait_and_run_when_a_slot_is_released()
    {
        var gate = new ConcurrencyGate(1, null);
        var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.Equal(1, gate.Waiting);

        first.Dispose();
        using var slot = await second;
        Assert.Equal(1, gate.Running);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Full_queue_fails_at_once_with_a_message_naming_the_limit()
    {
        var gate = new ConcurrencyGate(1, 1);
        using var running = await gate.EnterAsync(CancellationToken.None);
        var queued = gate.EnterAsync(CancellationToken.None).AsTask();

        var ex = await Assert.ThrowsAsync<PaliGemmaQueueFullException>(() => gate.EnterAsync(CancellationToken.None).AsTask());
        Assert.Contains("MaxQueueLength = 1", ex.Message, StringComparison.Ordinal);
        Assert.False(queued.IsCompleted);
        running.Dispose();
        (await queued).Dispose();
    }

    [Fact]
    public async Task Waiting_is_cancellable_and_frees_its_queue_place()
    {
        var gate = new ConcurrencyGate(1, 1);
        using var running = await gate.EnterAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = gate.EnterAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Disposing_a_slot_twice_releases_it_once()
    {
        var gate = new ConcurrencyGate(2, null);
        var slot = await gate.EnterAsync(CancellationToken.None);
        slot.Dispose();
        slot.Dispose();
        Assert.Equal(0, gate.Running);
    }
}
