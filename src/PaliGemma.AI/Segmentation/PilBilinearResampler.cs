namespace PaliGemma.AI;

/// <summary>
/// Resizes a small float image the way Pillow's <c>Image.resize(size, BILINEAR)</c> does for mode <c>F</c>:
/// a separable triangle filter whose support grows with the scale when shrinking (so shrinking averages),
/// sample centres at <c>(i + 0.5) · in / out</c>, weights normalised per output pixel, a horizontal pass
/// first (stored as float32) and then a vertical pass, accumulated in double.
/// Only a window of the output is computed, so a box far larger than the image costs nothing extra.
/// </summary>
internal static class PilBilinearResampler
{
    /// <summary>The filter weights of a run of output pixels along one axis.</summary>
    /// <param name="First">The first input index each output pixel reads.</param>
    /// <param name="Count">How many input pixels each output pixel reads.</param>
    /// <param name="Weights">The weights, <see cref="KernelSize"/> per output pixel.</param>
    /// <param name="KernelSize">The stride of <see cref="Weights"/>.</param>
    internal readonly record struct Coefficients(int[] First, int[] Count, double[] Weights, int KernelSize);

    /// <summary>Computes Pillow's coefficients for output pixels <paramref name="outStart"/> ..
    /// <paramref name="outStart"/> + <paramref name="outCount"/> − 1 of an axis resized from
    /// <paramref name="inSize"/> to <paramref name="outSize"/>.</summary>
    public static Coefficients Compute(int inSize, long outSize, long outStart, int outCount)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale; // bilinear support is 1
        int kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
        var first = new int[outCount];
        var count = new int[outCount];
        var weights = new double[outCount * kernelSize];
        for (int i = 0; i < outCount; i++)
        {
            double center = (outStart + i + 0.5) * scale;
            double inverse = 1.0 / filterScale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double total = 0;
            Span<double> k = weights.AsSpan(i * kernelSize, kernelSize);
            for (int x = 0; x < xmax; x++)
            {
                double w = Triangle((x + xmin - center + 0.5) * inverse);
                k[x] = w;
                total += w;
            }

            if (total != 0)
            {
                for (int x = 0; x < xmax; x++)
                {
                    k[x] /= total;
                }
            }

            first[i] = xmin;
            count[i] = Math.Max(xmax, 0);
        }

        return new Coefficients(first, count, weights, kernelSize);
    }

    /// <summary>
    /// Resamples the <paramref name="inWidth"/>×<paramref name="inHeight"/> row-major <paramref name="source"/>
    /// to an <paramref name="outWidth"/>×<paramref name="outHeight"/> image and calls <paramref name="emit"/>
    /// with each row of the window [<paramref name="x0"/>, <paramref name="x0"/> + <paramref name="windowWidth"/>) ×
    /// [<paramref name="y0"/>, <paramref name="y0"/> + <paramref name="windowHeight"/>).
    /// </summary>
    public static void ResizeWindow(
        ReadOnlySpan<float> source, int inWidth, int inHeight,
        long outWidth, long outHeight,
        long x0, long y0, int windowWidth, int windowHeight,
        RowAction emit)
    {
        Coefficients h = Compute(inWidth, outWidth, x0, windowWidth);
        Coefficients v = Compute(inHeight, outHeight, y0, windowHeight);

        // Horizontal pass over every input row, stored as float32 like Pillow's intermediate image.
        float[] horizontal = new float[inHeight * windowWidth];
        for (int y = 0; y < inHeight; y++)
        {
            ReadOnlySpan<float> row = source.Slice(y * inWidth, inWidth);
            for (int x = 0; x < windowWidth; x++)
            {
                ReadOnlySpan<double> k = h.Weights.AsSpan(x * h.KernelSize, h.KernelSize);
                double sum = 0;
                for (int t = 0; t < h.Count[x]; t++)
                {
                    sum += row[h.First[x] + t] * k[t];
                }

                horizontal[(y * windowWidth) + x] = (float)sum;
            }
        }

        float[] output = new float[windowWidth];
        for (int y = 0; y < windowHeight; y++)
        {
            ReadOnlySpan<double> k = v.Weights.AsSpan(y * v.KernelSize, v.KernelSize);
            for (int x = 0; x < windowWidth; x++)
            {
                double sum = 0;
                for (int t = 0; t < v.Count[y]; t++)
                {
                    sum += horizontal[((v.First[y] + t) * windowWidth) + x] * k[t];
                }

                output[x] = (float)sum;
            }

            emit(y, output);
        }
    }

    /// <summary>Receives one resampled row of the window.</summary>
    internal delegate void RowAction(int windowRow, ReadOnlySpan<float> values);

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }
}
