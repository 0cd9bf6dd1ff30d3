using System.Text;

namespace PaliGemma.Onnx.Tiny;

/// <summary>
/// A small deterministic normal-ish generator (SplitMix64 + Irwin–Hall) whose stream depends only on a seed and a
/// tensor name, so every tensor's values are reproducible on every platform.
/// </summary>
internal sealed class SeededNormal
{
    private ulong _state;

    public SeededNormal(int seed, string stream)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(stream))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        _state = hash ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    public void Fill(Span<float> destination, float mean, float std)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = mean + (std * Next());
        }
    }

    // Irwin–Hall: the sum of four uniforms, centred and scaled to unit variance. Integer and float adds only,
    // so the stream is identical on every platform (no libm calls).
    private float Next()
    {
        float sum = 0;
        for (int k = 0; k < 4; k++)
        {
            sum += (NextUInt64() >> 40) * (1.0f / (1 << 24));
        }

        return (sum - 2f) * 1.7320508f;
    }

    private ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
