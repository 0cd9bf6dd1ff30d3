namespace PaliGemma.Onnx.Masks;

/// <summary>
/// Writes a seeded, deterministic random-weight .npz with the keys and layout of big_vision's
/// <c>vae-oid.npz</c> (decoder + codebook only), for tests and demos without the real file.
/// </summary>
public static class RandomVqVaeCheckpoint
{
    /// <summary>Writes the archive.</summary>
    /// <param name="path">The .npz file to create.</param>
    /// <param name="seed">The random seed; the same seed and sizes give the same file.</param>
    /// <param name="codebookSize">Codebook entries (128 in the real file).</param>
    /// <param name="embeddingDim">Codebook width D (512 in the real file).</param>
    /// <param name="width">Decoder width W (128 in the real file).</param>
    /// <param name="upsampleChannels">Output channels of the four transposed convolutions (128, 64, 32, 16 in the real file).</param>
    public static void Write(string path, int seed, int codebookSize = 128, int embeddingDim = 512, int width = 128, IReadOnlyList<int>? upsampleChannels = null)
    {
        upsampleChannels ??= [128, 64, 32, 16];
        if (upsampleChannels.Count != VqVaeDecoderWeights.UpsampleLayers.Count)
        {
            throw new ArgumentException($"Expected {VqVaeDecoderWeights.UpsampleLayers.Count} upsample channel counts, got {upsampleChannels.Count}.", nameof(upsampleChannels));
        }

        var rng = new Random(seed);
        var arrays = new List<NpyArray> { Normal(rng, VqVaeDecoderWeights.CodebookKey, [codebookSize, embeddingDim], 1.0) };
        Conv(rng, arrays, VqVaeDecoderWeights.InputConv, width, embeddingDim, 1);
        foreach (string block in VqVaeDecoderWeights.ResBlocks)
        {
            Conv(rng, arrays, block + ".0", width, width, 3);
            Conv(rng, arrays, block + ".2", width, width, 3);
            Conv(rng, arrays, block + ".4", width, width, 1);
        }

        int cin = width;
        for (int i = 0; i < upsampleChannels.Count; i++)
        {
            string layer = VqVaeDecoderWeights.UpsampleLayers[i];
            int cout = upsampleChannels[i];
            arrays.Add(Normal(rng, layer + ".weight", [cin, cout, 4, 4], Math.Sqrt(2.0 / (cin * 4))));
            arrays.Add(Normal(rng, layer + ".bias", [cout], 0.05));
            cin = cout;
        }

        Conv(rng, arrays, VqVaeDecoderWeights.OutputConv, 1, cin, 1);
        NpzWriter.Write(path, arrays);
    }

    private static void Conv(Random rng, List<NpyArray> arrays, string layer, int cout, int cin, int k)
    {
        arrays.Add(Normal(rng, layer + ".weight", [cout, cin, k, k], Math.Sqrt(2.0 / (cin * k * k))));
        arrays.Add(Normal(rng, layer + ".bias", [cout], 0.05));
    }

    private static NpyArray Normal(Random rng, string name, long[] shape, double std)
    {
        long n = 1;
        foreach (long d in shape)
        {
            n *= d;
        }

        float[] data = new float[n];
        for (int i = 0; i < data.Length; i++)
        {
            // Box–Muller; 1 - NextDouble() is in (0, 1], so the log is finite.
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        return new NpyArray(name, shape, data);
    }
}
