using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// A thread-safe in-memory <see cref="IImageStore"/>. Ids are <c>img_</c> followed by 32 hex digits of a
/// cryptographically random 128-bit number. When <see cref="Capacity"/> images are held, adding one evicts the oldest.
/// </summary>
public sealed class InMemoryImageStore : IImageStore
{
    /// <summary>The id prefix.</summary>
    public const string IdPrefix = "img_";

    private readonly ConcurrentDictionary<string, DataContent> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly object _evictGate = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="capacity">The most images held (default 256).</param>
    public InMemoryImageStore(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Gets the most images held at once.</summary>
    public int Capacity { get; }

    /// <summary>Gets the number of images held.</summary>
    public int Count => _images.Count;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The content is not an image.</exception>
    public string Add(DataContent image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!image.HasTopLevelMediaType("image"))
        {
            throw new ArgumentException($"The content has media type '{image.MediaType}'; only images (image/*) can be registered.", nameof(image));
        }

        string id = IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _images[id] = image;
        _order.Enqueue(id);
        lock (_evictGate)
        {
            while (_images.Count > Capacity && _order.TryDequeue(out string? oldest))
            {
                _images.TryRemove(oldest, out _);
            }
        }

        return id;
    }

    /// <summary>Registers encoded image bytes (the format is checked from the header) and returns the id.</summary>
    /// <param name="encodedImage">The encoded image.</param>
    /// <returns>The id.</returns>
    public string Add(byte[] encodedImage) => Add(PaliGemma.AI.PaliGemmaImageContent.FromBytes(encodedImage));

    /// <inheritdoc />
    public bool TryGet(string id, [NotNullWhen(true)] out DataContent? image)
    {
        image = null;
        return id is not null && _images.TryGetValue(id, out image);
    }

    /// <inheritdoc />
    public bool Remove(string id) => id is not null && _images.TryRemove(id, out _);
}
