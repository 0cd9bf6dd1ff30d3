using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>
/// An in-memory <see cref="ICheckpointReader"/> with every canonical PaliGemma tensor of a configuration,
/// filled with deterministic pseudo-random values. Values are generated on each read from the seed and the
/// tensor name, so nothing is held in memory and the read order does not matter.
/// Linear and convolution weights are uniform in ±1/√fan_in, biases and norm weights uniform in ±0.1,
/// embeddings uniform in ±1.
/// </summary>
public sealed class RandomCheckpoint : ICheckpointReader
{
    private readonly Dictionary<string, TensorInfo> _tensors;
    private readonly ulong _seed;

    /// <summary>Creates the checkpoint for <paramref name="config"/>.</summary>
    /// <param name="config">The configuration whose tensors to provide.</param>
    /// <param name="seed">Seed; equal seeds give equal values.</param>
    /// <param name="scale">Multiplies every value (default 1).</param>
    public RandomCheckpoint(PaliGemmaConfig config, int seed, float scale = 1f)
    {
        ArgumentNullException.ThrowIfNull(config);
        _tensors = PaliGemmaTensorNames.AllTensors(config).ToDictionary(t => t.Name, StringComparer.Ordinal);
        _seed = (ulong)(uint)seed;
        Scale = scale;
    }

    /// <summary>Gets the factor applied to every value.</summary>
    public float Scale { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <inheritdoc />
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <inheritdoc />
    public TensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out TensorInfo? info) ? info : throw new CheckpointException($"The random checkpoint has no tensor '{name}'.");

    /// <inheritdoc />
    public void ReadFloat32(string name, Span<float> destination)
    {
        TensorInfo info = GetInfo(name);
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException($"Tensor '{name}' has {info.ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        }

        float bound = Bound(name, info) * Scale;
        ulong state = _seed ^ Fnv1a(name);
        for (int i = 0; i < destination.Length; i++)
        {
            ulong r = SplitMix64(ref state);
            double unit = (r >> 11) * (1.0 / (1UL << 53));
            destination[i] = (float)(((unit * 2.0) - 1.0) * bound);
        }
    }

    /// <summary>Reads a whole tensor into a new array.</summary>
    public float[] Read(string name)
    {
        float[] data = new float[GetInfo(name).ElementCount];
        ReadFloat32(name, data);
        return data;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static float Bound(string name, TensorInfo info)
    {
        if (name.EndsWith("embed_tokens.weight", StringComparison.Ordinal) || name.EndsWith("position_embedding.weight", StringComparison.Ordinal))
        {
            return 1f;
        }

        if (info.Shape.Count == 1)
        {
            return 0.1f;
        }

        long fanIn = info.ElementCount / info.Shape[0];
        return (float)(1.0 / Math.Sqrt(fanIn));
    }

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
