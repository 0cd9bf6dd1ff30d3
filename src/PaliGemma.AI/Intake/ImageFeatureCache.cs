using System.Security.Cryptography;

namespace PaliGemma.AI;

/// <summary>
/// A bounded, thread-safe least-recently-used cache of vision features, keyed by the SHA-256 of the encoded image
/// bytes, the model id and the image size. Entries are immutable arrays shared by readers; callers must not
/// change them.
/// </summary>
internal sealed class ImageFeatureCache
{
    private readonly int _capacity;
    private readonly Dictionary<Key, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _order = new();
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="capacity">The most entries kept; 0 disables the cache.</param>
    public ImageFeatureCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    /// <summary>Gets whether the cache keeps anything.</summary>
    public bool Enabled => _capacity > 0;

    /// <summary>Gets the number of entries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>Makes the key of an image for a model.</summary>
    /// <param name="encodedImage">The encoded (file) bytes of the image.</param>
    /// <param name="modelId">The model id.</param>
    /// <param name="imageSize">The model's input resolution.</param>
    /// <returns>The key.</returns>
    public static Key CreateKey(ReadOnlySpan<byte> encodedImage, string modelId, int imageSize)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(encodedImage, hash);
        return new Key(Convert.ToHexString(hash), modelId, imageSize);
    }

    /// <summary>Looks up features and marks them recently used.</summary>
    /// <param name="key">The key.</param>
    /// <param name="features">The features when found.</param>
    /// <returns>Whether the key was found.</returns>
    public bool TryGet(Key key, out float[] features)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                features = node.Value.Features;
                return true;
            }
        }

        features = [];
        return false;
    }

    /// <summary>Adds or replaces features, evicting the least recently used entry when full.</summary>
    /// <param name="key">The key.</param>
    /// <param name="features">The features (kept by reference).</param>
    public void Add(Key key, float[] features)
    {
        if (_capacity == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                _order.Remove(existing);
                _map.Remove(key);
            }

            while (_map.Count >= _capacity && _order.Last is { } last)
            {
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
            }

            _map[key] = _order.AddFirst(new Entry(key, features));
        }
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _order.Clear();
        }
    }

    /// <summary>The identity of one image for one model.</summary>
    /// <param name="Sha256">Hex SHA-256 of the encoded image bytes.</param>
    /// <param name="ModelId">The model id.</param>
    /// <param name="ImageSize">The model's input resolution.</param>
    internal readonly record struct Key(string Sha256, string ModelId, int ImageSize);

    private sealed record Entry(Key Key, float[] Features);
}
