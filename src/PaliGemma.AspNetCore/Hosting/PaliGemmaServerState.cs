using Microsoft.Extensions.Hosting;

namespace PaliGemma.AspNetCore;

/// <summary>
/// What the endpoints need to know about the process: whether the model is loaded (<c>/readyz</c>), whether the host
/// is stopping (new requests get 503), and how many requests are in flight.
/// </summary>
public sealed class PaliGemmaServerState
{
    private int _inFlight;
    private volatile bool _ready;
    private volatile bool _draining;
    private volatile string? _loadError;

    /// <summary>Initializes a new instance that starts draining when <paramref name="lifetime"/> begins to stop.</summary>
    /// <param name="lifetime">The host's lifetime, or null (then only <see cref="BeginDraining"/> starts draining).</param>
    public PaliGemmaServerState(IHostApplicationLifetime? lifetime = null) =>
        lifetime?.ApplicationStopping.Register(BeginDraining);

    /// <summary>Gets whether the model is loaded.</summary>
    public bool IsReady => _ready;

    /// <summary>Gets whether the host is stopping: requests in flight finish, new ones are refused with 503.</summary>
    public bool IsDraining => _draining;

    /// <summary>Gets why the model could not be loaded, or null.</summary>
    public string? LoadError => _loadError;

    /// <summary>Gets the number of requests being served.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Refuses new requests from now on (called when the host begins to stop).</summary>
    public void BeginDraining() => _draining = true;

    internal void MarkReady() => _ready = true;

    internal void MarkFailed(string error) => _loadError = error;

    internal void Enter() => Interlocked.Increment(ref _inFlight);

    internal void Exit() => Interlocked.Decrement(ref _inFlight);
}
