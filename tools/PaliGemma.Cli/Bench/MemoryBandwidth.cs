using System.Diagnostics;
using System.Numerics;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// Measures this machine's streaming-read memory bandwidth: every thread sums its slice of a buffer much larger than the
/// caches with SIMD loads; the best of several passes counts. It bounds how fast a decoder that must read all its weights
/// once per token can go.
/// </summary>
internal static class MemoryBandwidth
{
    /// <summary>Returns bytes per second read by <paramref name="threads"/> threads over a <paramref name="bufferBytes"/> buffer.</summary>
    public static double Measure(long bufferBytes, int threads, int passes = 5)
    {
        int length = (int)Math.Min(bufferBytes / sizeof(long), Array.MaxLength);
        var buffer = GC.AllocateUninitializedArray<long>(length);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            (int start, int count) = Slice(length, threads, t);
            buffer.AsSpan(start, count).Fill(t + 1);
        });

        double best = 0;
        long sink = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            long total = 0;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                (int start, int count) = Slice(length, threads, t);
                Interlocked.Add(ref total, Sum(buffer.AsSpan(start, count)));
            });
            double seconds = clock.Elapsed.TotalSeconds;
            sink ^= total;
            best = Math.Max(best, (double)length * sizeof(long) / seconds);
        }

        GC.KeepAlive(sink);
        return best;
    }

    private static (int Start, int Count) Slice(int length, int parts, int index)
    {
        int size = length / parts;
        int start = index * size;
        return (start, index == parts - 1 ? length - start : size);
    }

    private static long Sum(ReadOnlySpan<long> data)
    {
        int width = Vector<long>.Count;
        Vector<long> a = Vector<long>.Zero, b = Vector<long>.Zero, c = Vector<long>.Zero, d = Vector<long>.Zero;
        int i = 0;
        for (; i <= data.Length - (4 * width); i += 4 * width)
        {
            a += new Vector<long>(data[i..]);
            b += new Vector<long>(data[(i + width)..]);
            c += new Vector<long>(data[(i + (2 * width))..]);
            d += new Vector<long>(data[(i + (3 * width))..]);
        }

        long sum = Vector.Sum(a + b + c + d);
        for (; i < data.Length; i++)
        {
            sum += data[i];
        }

        return sum;
    }
}
