namespace PaliGemma.AI.Runtime;

/// <summary>
/// Counts operations in flight so that <see cref="PaliGemmaModel.Dispose"/> can be called at any time: after
/// disposal new operations throw <see cref="ObjectDisposedException"/>, and the native resources are released
/// by whichever comes last, the dispose call or the last running operation.
/// </summary>
internal sealed class UsageGuard(Action release, string objectName)
{
    private const int DisposedFlag = 1 << 30;
    private int _state;
    private int _released;

    /// <summary>True once disposal was requested.</summary>
    public bool IsDisposed => (Volatile.Read(ref _state) & DisposedFlag) != 0;

    /// <summary>Enters an operation; throws if disposed. Pair with <see cref="Exit"/>.</summary>
    public void Enter()
    {
        int state = Interlocked.Increment(ref _state);
        if ((state & DisposedFlag) != 0)
        {
            Exit();
            throw new ObjectDisposedException(objectName);
        }
    }

    /// <summary>Leaves an operation.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _state) == DisposedFlag)
        {
            ReleaseOnce();
        }
    }

    /// <summary>Marks disposed; releases now if nothing is running.</summary>
    public void Dispose()
    {
        int current;
        do
        {
            current = Volatile.Read(ref _state);
            if ((current & DisposedFlag) != 0)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _state, current | DisposedFlag, current) != current);

        if (current == 0)
        {
            ReleaseOnce();
        }
    }

    private void ReleaseOnce()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}
