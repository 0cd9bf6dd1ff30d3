using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AspNetCore;

/// <summary>
/// Loads the model in the background when the host starts, so <c>/healthz</c> answers at once and <c>/readyz</c>
/// turns ready when the model is loaded. A model that fails to load stops the host (with the reason logged).
/// </summary>
internal sealed partial class ModelWarmupService : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly PaliGemmaServerState _state;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<ModelWarmupService> _logger;
    private Task? _loading;

    public ModelWarmupService(IServiceProvider services, PaliGemmaServerState state, IHostApplicationLifetime lifetime, ILogger<ModelWarmupService> logger)
    {
        _services = services;
        _state = state;
        _lifetime = lifetime;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loading = Task.Run(Load, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _loading is null ? Task.CompletedTask : _loading.WaitAsync(cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);

    private void Load()
    {
        try
        {
            PaliGemmaModel model = _services.GetRequiredService<PaliGemmaModel>();
            _ = _services.GetRequiredService<PaliGemma.AI.PaliGemmaVisionTools>();
            _state.MarkReady();
            Log.Loaded(_logger, model.ModelId, model.ModelPath);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _state.MarkFailed(ex.Message);
            Log.LoadFailed(_logger, ex);
            _lifetime.StopApplication();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "PaliGemma model {ModelId} loaded from {ModelPath}; ready.")]
        public static partial void Loaded(ILogger logger, string modelId, string modelPath);

        [LoggerMessage(2, LogLevel.Critical, "The PaliGemma model could not be loaded; stopping.")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
