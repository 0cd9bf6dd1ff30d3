using PaliGemma.Onnx.Masks;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The .npz reader (zip of .npy arrays) on an arbitrary file: open it, read every header and every array, then try
/// it as VQ-VAE mask-decoder weights. Only <see cref="InvalidDataException"/> may escape, and arrays must match their shapes.
/// </summary>
internal static class NpzTarget
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        string path = InputFile.Write("weights.npz", data);
        try
        {
            using (NpzArchive archive = NpzArchive.Open(path))
            {
                foreach (string name in archive.Names)
                {
                    NpyHeader header = archive.ReadHeader(name);
                    if (header.Shape.Any(d => d < 0))
                    {
                        throw new InvariantException($"'{name}' has shape [{string.Join(",", header.Shape)}]");
                    }

                    NpyArray array = archive.ReadFloat32(name);
                    if (array.Data.LongLength != array.Shape.Aggregate(1L, (a, b) => a * b))
                    {
                        throw new InvariantException($"'{name}' holds {array.Data.Length} values for shape [{string.Join(",", array.Shape)}]");
                    }
                }
            }

            VqVaeDecoderWeights.Load(path);
        }
        catch (InvalidDataException)
        {
        }
    }
}
