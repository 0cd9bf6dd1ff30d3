namespace PaliGemma.Onnx.Tests.Reference;

/// <summary>Plain-loop numerics for the reference models (row-major float arrays, double accumulation).</summary>
internal static class RefMath
{
    /// <summary>y[r, o] = sum_i x[r, i] · w[o, i] + b[o], with w in HF [out, in] layout.</summary>
    public static float[] Linear(float[] x, int rows, int inDim, float[] w, int outDim, float[]? b = null)
    {
        var y = new float[rows * outDim];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outDim; o++)
            {
                double s = b is null ? 0 : b[o];
                for (int i = 0; i < inDim; i++)
                {
                    s += (double)x[(r * inDim) + i] * w[(o * inDim) + i];
                }

                y[(r * outDim) + o] = (float)s;
            }
        }

        return y;
    }

    public static float[] LayerNorm(float[] x, int rows, int dim, float[] g, float[] b, float eps)
    {
        var y = new float[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, var = 0;
            for (int i = 0; i < dim; i++)
            {
                mean += x[(r * dim) + i];
            }

            mean /= dim;
            for (int i = 0; i < dim; i++)
            {
                double d = x[(r * dim) + i] - mean;
                var += d * d;
            }

            var /= dim;
            double inv = 1.0 / Math.Sqrt(var + eps);
            for (int i = 0; i < dim; i++)
            {
                y[(r * dim) + i] = (float)(((x[(r * dim) + i] - mean) * inv * g[i]) + b[i]);
            }
        }

        return y;
    }

    /// <summary>Gemma RMSNorm: x / sqrt(mean(x²) + eps) · (1 + w).</summary>
    public static float[] RmsNorm(float[] x, int rows, int dim, float[] w, float eps)
    {
        var y = new float[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double ms = 0;
            for (int i = 0; i < dim; i++)
            {
                ms += (double)x[(r * dim) + i] * x[(r * dim) + i];
            }

            double inv = 1.0 / Math.Sqrt((ms / dim) + eps);
            for (int i = 0; i < dim; i++)
            {
                y[(r * dim) + i] = (float)(x[(r * dim) + i] * inv * (1.0 + w[i]));
            }
        }

        return y;
    }

    public static float GeluTanh(float x) =>
        (float)(0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + (0.044715 * x * x * x)))));

    public static void AddInPlace(float[] a, float[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] += b[i];
        }
    }

    public static void SoftmaxInPlace(double[] s)
    {
        double max = s.Max();
        double sum = 0;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = double.IsNegativeInfinity(s[i]) ? 0 : Math.Exp(s[i] - max);
            sum += s[i];
        }

        for (int i = 0; i < s.Length; i++)
        {
            s[i] /= sum;
        }
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            float d = Math.Abs(a[i] - b[i]);
            if (float.IsNaN(d))
            {
                return float.NaN;
            }

            m = Math.Max(m, d);
        }

        return m;
    }
}
