using System.Globalization;

namespace PaliGemma.AI;

/// <summary>
/// Lets up to a fixed number of requests run at once and queues the rest, optionally with a bounded queue.
/// </summary>
internal sealed class ConcurrencyGate
{
    private readonly SemaphoreSlim _slots;
    private readonly int _maxConcurrency;
    private readonly int? _maxQueueLength;
    private int _waiting;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="maxConcurrency">Requests that may run at once (≥ 1).</param>
    /// <param name="maxQueueLength">Requests that may wait (≥ 0), or null for no limit.</param>
    public ConcurrencyGate(int maxConcurrency, int? maxQueueLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        if (maxQueueLength is { } q)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(q, nameof(maxQueueLength));
        }

        _maxConcurrency = maxConcurrency;
        _maxQueueLength = maxQueueLength;
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
    }

    /// <summary>Gets the number of requests waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Gets the number of requests holding a slot.</summary>
    public int Running => _maxConcurrency - _slots.CurrentCount;

    /// <summary>Waits for a slot. Dispose the result to give the slot back.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held slot.</returns>
    /// <exception cref="PaliGemmaQueueFullException">All slots are busy and the queue is full.</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_slots.Wait(0, CancellationToken.None))
        {
            PaliGemmaTelemetry.NoQueueWait();
            return new Slot(this);
        }

        var waiting = Interlocked.Increment(ref _waiting);
        using var queued = PaliGemmaTelemetry.EnterQueue();
        try
        {
            if (_maxQueueLength is { } max && waiting > max)
            {
                throw new PaliGemmaQueueFullException(string.Format(
                    CultureInfo.InvariantCulture,
                    "All {0} PaliGemma generation slot(s) are busy and {1} request(s) already wait (MaxQueueLength = {2}). Retry later, or raise MaxConcurrency / MaxQueueLength.",
                    _maxConcurrency,
                    waiting - 1,
                    max));
            }

            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Slot(this);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>A held slot; disposing it releases the slot once.</summary>
    internal sealed class Slot : IDisposable
    {
        private ConcurrencyGate? _gate;

        internal Slot(ConcurrencyGate gate) => _gate = gate;

        /// <inheritdoc />
        public void Dispose() => Interlocked.Exchange(ref _gate, null)?._slots.Release();
    }
}
