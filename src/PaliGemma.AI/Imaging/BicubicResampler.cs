namespace PaliGemma.AI;

/// <summary>
/// Separable bicubic resize that reproduces Pillow's <c>Image.resize(size, Image.BICUBIC)</c> on 8-bit images,
/// which is what Hugging Face's SiglipImageProcessor uses for PaliGemma.
/// </summary>
/// <remarks>
/// The facts it reproduces (from Pillow's <c>libImaging/Resample.c</c>): the Keys cubic kernel with a = −0.5 and
/// support 2; when downscaling, the kernel is stretched by the scale factor so it also low-pass filters; pixel
/// centres at (i + 0.5) · scale; window bounds rounded half-up and clamped to the image (no edge replication,
/// weights renormalised to sum 1); weights converted to 22-bit fixed point, rounded half away from zero;
/// horizontal pass first, its result rounded and clamped to 8 bits, then the vertical pass; a pass whose output
/// length equals its input length is skipped. ImageSharp's bicubic resampler uses the same kernel but keeps
/// float intermediates, which is why this type exists.
/// </remarks>
internal static class BicubicResampler
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double KernelA = -0.5;
    private const double KernelSupport = 2.0;
    private const long ParallelThreshold = 4_000_000;

    /// <summary>Resizes <paramref name="source"/> to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static RgbImage Resize(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);

        RgbImage current = source;
        if (width != source.Width)
        {
            current = ResizeHorizontal(current, width);
        }

        if (height != source.Height)
        {
            current = ResizeVertical(current, height);
        }

        return ReferenceEquals(current, source) ? new RgbImage(width, height, (byte[])source.Pixels.Clone()) : current;
    }

    private static RgbImage ResizeHorizontal(RgbImage input, int outWidth)
    {
        Weights weights = Weights.Compute(input.Width, outWidth);
        var output = new RgbImage(outWidth, input.Height);
        byte[] src = input.Pixels;
        byte[] dst = output.Pixels;
        int inStride = input.Stride;
        int outStride = output.Stride;
        ForEachRow(input.Height, (long)outWidth * weights.KernelSize, y =>
        {
            int rowIn = y * inStride;
            int rowOut = y * outStride;
            for (int x = 0; x < outWidth; x++)
            {
                int first = weights.First[x];
                int count = weights.Count[x];
                int k0 = x * weights.KernelSize;
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                int p = rowIn + (first * 3);
                for (int i = 0; i < count; i++, p += 3)
                {
                    int w = weights.Values[k0 + i];
                    r += src[p] * w;
                    g += src[p + 1] * w;
                    b += src[p + 2] * w;
                }

                int o = rowOut + (x * 3);
                dst[o] = Clip(r);
                dst[o + 1] = Clip(g);
                dst[o + 2] = Clip(b);
            }
        });

        return output;
    }

    private static RgbImage ResizeVertical(RgbImage input, int outHeight)
    {
        Weights weights = Weights.Compute(input.Height, outHeight);
        var output = new RgbImage(input.Width, outHeight);
        byte[] src = input.Pixels;
        byte[] dst = output.Pixels;
        int stride = input.Stride;
        ForEachRow(outHeight, (long)stride * weights.KernelSize, y =>
        {
            int first = weights.First[y];
            int count = weights.Count[y];
            int k0 = y * weights.KernelSize;
            int rowOut = y * stride;
            for (int c = 0; c < stride; c++)
            {
                int sum = 1 << (PrecisionBits - 1);
                int p = (first * stride) + c;
                for (int i = 0; i < count; i++, p += stride)
                {
                    sum += src[p] * weights.Values[k0 + i];
                }

                dst[rowOut + c] = Clip(sum);
            }
        });

        return output;
    }

    /// <summary>Runs <paramref name="row"/> for every output row, in parallel when there is enough work.</summary>
    private static void ForEachRow(int rows, long workPerRow, Action<int> row)
    {
        if (rows * workPerRow < ParallelThreshold)
        {
            for (int y = 0; y < rows; y++)
            {
                row(y);
            }
        }
        else
        {
            Parallel.For(0, rows, row);
        }
    }

    private static byte Clip(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>The Keys cubic convolution kernel with a = −0.5 (Catmull-Rom).</summary>
    private static double Cubic(double x)
    {
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((KernelA + 2.0) * x) - (KernelA + 3.0)) * x * x) + 1.0;
        }

        if (x < 2.0)
        {
            return ((((x - 5.0) * x) + 8.0) * x - 4.0) * KernelA;
        }

        return 0.0;
    }

    /// <summary>Fixed-point weights for every output position along one axis.</summary>
    private sealed class Weights
    {
        private Weights(int outSize, int kernelSize)
        {
            KernelSize = kernelSize;
            First = new int[outSize];
            Count = new int[outSize];
            Values = new int[outSize * kernelSize];
        }

        /// <summary>Gets the number of weight slots per output position.</summary>
        public int KernelSize { get; }

        /// <summary>Gets the first input index contributing to each output position.</summary>
        public int[] First { get; }

        /// <summary>Gets the number of input pixels contributing to each output position.</summary>
        public int[] Count { get; }

        /// <summary>Gets the weights, <see cref="KernelSize"/> per output position, in 22-bit fixed point.</summary>
        public int[] Values { get; }

        public static Weights Compute(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = KernelSupport * filterScale;
            int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
            double inverseFilterScale = 1.0 / filterScale;

            var weights = new Weights(outSize, kernelSize);
            Span<double> row = kernelSize <= 512 ? stackalloc double[kernelSize] : new double[kernelSize];
            for (int o = 0; o < outSize; o++)
            {
                double center = (o + 0.5) * scale;
                int first = Math.Max((int)(center - support + 0.5), 0);
                int last = Math.Min((int)(center + support + 0.5), inSize);
                int count = last - first;

                double total = 0.0;
                for (int i = 0; i < count; i++)
                {
                    double w = Cubic((i + first - center + 0.5) * inverseFilterScale);
                    row[i] = w;
                    total += w;
                }

                int k0 = o * kernelSize;
                for (int i = 0; i < count; i++)
                {
                    double w = total != 0.0 ? row[i] / total : row[i];
                    double scaled = w * (1 << PrecisionBits);
                    weights.Values[k0 + i] = (int)(w < 0 ? scaled - 0.5 : scaled + 0.5);
                }

                weights.First[o] = first;
                weights.Count[o] = count;
            }

            return weights;
        }
    }
}
