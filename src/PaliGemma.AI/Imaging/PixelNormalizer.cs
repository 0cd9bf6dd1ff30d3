namespace PaliGemma.AI;

/// <summary>Turns 8-bit RGB (HWC) into SigLIP's input: channel-first float32 in [-1, 1].</summary>
internal static class PixelNormalizer
{
    /// <summary>
    /// The value for each byte, computed the way Hugging Face's image processor does it: rescale in float64 by
    /// 1/255, cast to float32, then (x − 0.5) / 0.5 in float32. A table keeps the result bit-identical.
    /// </summary>
    private static readonly float[] Table = CreateTable();

    /// <summary>Gets the normalised value of one 8-bit sample.</summary>
    public static float Normalize(byte value) => Table[value];

    /// <summary>Converts <paramref name="image"/> to a CHW float32 buffer of length 3 × width × height.</summary>
    public static float[] ToChw(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Width * image.Height;
        var result = new float[3 * plane];
        byte[] pixels = image.Pixels;
        for (int i = 0, p = 0; i < plane; i++, p += 3)
        {
            result[i] = Table[pixels[p]];
            result[plane + i] = Table[pixels[p + 1]];
            result[(2 * plane) + i] = Table[pixels[p + 2]];
        }

        return result;
    }

    private static float[] CreateTable()
    {
        var table = new float[256];
        for (int v = 0; v < table.Length; v++)
        {
            float rescaled = (float)(v * (1.0 / 255.0));
            table[v] = (rescaled - 0.5f) / 0.5f;
        }

        return table;
    }
}
