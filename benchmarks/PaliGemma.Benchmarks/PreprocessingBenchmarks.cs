using BenchmarkDotNet.Attributes;
using PaliGemma.AI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace PaliGemma.Benchmarks;

/// <summary>Image → normalised CHW tensor: ours (bounded decode, PIL-exact bicubic) against plain ImageSharp decode + bicubic resize.</summary>
[MemoryDiagnoser]
public class PreprocessingBenchmarks
{
    private readonly byte[] _png = BenchModel.Image;

    [Params(224, 448)]
    public int Size { get; set; }

    [Benchmark(Baseline = true)]
    public float[] ImageSharpResize()
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(_png);
        image.Mutate(m => m.Resize(Size, Size, KnownResamplers.Bicubic));
        var chw = new float[3 * Size * Size];
        int plane = Size * Size;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int i = (y * Size) + x;
                    chw[i] = (row[x].R / 127.5f) - 1f;
                    chw[plane + i] = (row[x].G / 127.5f) - 1f;
                    chw[(2 * plane) + i] = (row[x].B / 127.5f) - 1f;
                }
            }
        });
        return chw;
    }

    [Benchmark]
    public float[] PaliGemmaPreprocess() => PaliGemmaImageProcessor.Preprocess(_png, Size).PixelValues;
}
