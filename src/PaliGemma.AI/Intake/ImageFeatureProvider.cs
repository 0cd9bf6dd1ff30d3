using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AI;

/// <summary>
/// The model side of the image-intake stage: reads a request's image through <see cref="ImageIntake"/>, then gets its
/// vision features from the LRU cache, from an encoding of the same image already running for another request, or by
/// decoding (the header is read once, inside the decoder), preprocessing and running the vision graph (on the
/// thread pool).
/// </summary>
internal sealed partial class ImageFeatureProvider
{
    private readonly PaliGemmaModel _model;
    private readonly ImageIntake _intake;
    private readonly ImageLoadOptions _loadOptions;
    private readonly ImageFeatureCache _cache;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ImageFeatureCache.Key, Lazy<Task<float[]>>> _running = new();
    private long _encoderRuns;
    private long _hits;
    private long _misses;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="model">The model whose vision graph runs.</param>
    /// <param name="intake">Reads image sources under the source policy and the limits.</param>
    /// <param name="cacheCapacity">Cached images; 0 disables caching and sharing.</param>
    /// <param name="logger">The logger.</param>
    public ImageFeatureProvider(PaliGemmaModel model, ImageIntake intake, int cacheCapacity, ILogger logger)
    {
        _model = model;
        _intake = intake;
        _loadOptions = intake.Limits;
        _cache = new ImageFeatureCache(cacheCapacity);
        _logger = logger;
    }

    /// <summary>Gets how often the vision graph ran.</summary>
    public long EncoderRuns => Interlocked.Read(ref _encoderRuns);

    /// <summary>Gets how many requests reused features (cached or being computed for another request).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Gets how many requests had to run the vision graph.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Drops every cached entry.</summary>
    public void Clear() => _cache.Clear();

    /// <summary>
    /// Reads a request's image (bytes, data:, file: or http(s):) and returns its features and whether they were reused
    /// (from the cache, or from an encoding of the same image already running).
    /// </summary>
    /// <param name="image">The image content of the request.</param>
    /// <param name="cancellationToken">Cancels reading and waiting.</param>
    /// <returns>The features (shared; do not modify) and whether this request reused them.</returns>
    /// <exception cref="PaliGemmaImageException">The source is refused or failing, or the image cannot be decoded or breaks a limit.</exception>
    /// <exception cref="NotSupportedException">The source kind is switched off.</exception>
    public ValueTask<(float[] Features, bool Reused)> GetWithSourceAsync(AIContent image, CancellationToken cancellationToken)
        => GetWithSourceAsync(image, null, cancellationToken);

    /// <summary>
    /// Reads a request's image and returns its features with a run-time LoRA adapter active (or none), and whether they
    /// were reused. Only an adapter that changes vision-tower or projector layers changes the features; they are cached
    /// per such adapter.
    /// </summary>
    /// <param name="image">The image content of the request.</param>
    /// <param name="adapter">The adapter name, or null for the base model.</param>
    /// <param name="cancellationToken">Cancels reading and waiting.</param>
    /// <returns>The features (shared; do not modify) and whether this request reused them.</returns>
    /// <exception cref="ArgumentException">The model has no adapter of that name.</exception>
    public async ValueTask<(float[] Features, bool Reused)> GetWithSourceAsync(AIContent image, string? adapter, CancellationToken cancellationToken)
    {
        _model.ThrowIfUnknownAdapter(adapter);
        EncodedImage encoded = await _intake.ReadAsync(image, cancellationToken).ConfigureAwait(false);
        return await GetWithSourceAsync(encoded.Bytes, _model.AdapterChangesVision(adapter) ? adapter : null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the features of an image.</summary>
    /// <param name="image">The encoded image bytes.</param>
    /// <param name="cancellationToken">Cancels the wait (an encoding shared with other requests still finishes).</param>
    /// <param name="visionAdapter">An adapter that changes the vision features, or null.</param>
    /// <returns>The features (shared; do not modify).</returns>
    /// <exception cref="PaliGemmaImageException">The image cannot be decoded or breaks a limit.</exception>
    private async ValueTask<(float[] Features, bool Reused)> GetWithSourceAsync(ReadOnlyMemory<byte> image, string? visionAdapter, CancellationToken cancellationToken)
    {
        if (!_cache.Enabled)
        {
            Interlocked.Increment(ref _misses);
            PaliGemmaTelemetry.ImageCache(_model.ModelId, hit: false);
            return (await Task.Run(() => Encode(image, visionAdapter), cancellationToken).ConfigureAwait(false), false);
        }

        string cacheModel = visionAdapter is null ? _model.ModelId : _model.ModelId + "\0adapter:" + visionAdapter;
        var key = ImageFeatureCache.CreateKey(image.Span, cacheModel, _model.ImageSize);
        if (_cache.TryGet(key, out var cached))
        {
            Interlocked.Increment(ref _hits);
            PaliGemmaTelemetry.ImageCache(_model.ModelId, hit: true);
            Log.CacheHit(_logger, key.Sha256);
            return (cached, true);
        }

        var mine = new Lazy<Task<float[]>>(() => Task.Run(() => EncodeAndStore(key, image, visionAdapter), CancellationToken.None));
        var shared = _running.GetOrAdd(key, mine);
        PaliGemmaTelemetry.ImageCache(_model.ModelId, hit: !ReferenceEquals(shared, mine));
        if (ReferenceEquals(shared, mine))
        {
            Interlocked.Increment(ref _misses);
        }
        else
        {
            Interlocked.Increment(ref _hits);
            Log.SharedEncoding(_logger, key.Sha256);
        }

        return (await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false), !ReferenceEquals(shared, mine));
    }

    private float[] EncodeAndStore(ImageFeatureCache.Key key, ReadOnlyMemory<byte> image, string? adapter)
    {
        try
        {
            var features = Encode(image, adapter);
            _cache.Add(key, features);
            return features;
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }

    private float[] Encode(ReadOnlyMemory<byte> image, string? adapter)
    {
        PreprocessedImage preprocessed;
        using (PaliGemmaTelemetry.Preprocess(_model.ImageSize))
        {
            preprocessed = PaliGemmaImageProcessor.Preprocess(image.Span, _model.ImageSize, _loadOptions);
        }

        var features = _model.EncodeImage(preprocessed.PixelValues, adapter);
        Interlocked.Increment(ref _encoderRuns);
        return features;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Vision features of image {Sha256} came from the cache.")]
        public static partial void CacheHit(ILogger logger, string sha256);

        [LoggerMessage(3, LogLevel.Debug, "Vision features of image {Sha256} are being computed for another request; waiting for them.")]
        public static partial void SharedEncoding(ILogger logger, string sha256);
    }
}
