using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The safetensors reader on an arbitrary file: open it, then read every tensor (in chunks of up to 4096 values).
/// Only <see cref="CheckpointException"/> may escape.
/// </summary>
internal static class SafetensorsTarget
{
    private static readonly float[] Chunk = new float[4096];

    public static void Run(ReadOnlySpan<byte> data)
    {
        string path = InputFile.Write("model.safetensors", data);
        try
        {
            using SafetensorsReader reader = SafetensorsReader.Open(path);
            ICheckpointReader checkpoint = reader;
            foreach (string name in reader.Names)
            {
                TensorInfo info = reader.GetInfo(name);
                if (info.ElementCount < 0 || info.Shape.Any(d => d < 0))
                {
                    throw new InvariantException($"tensor '{name}' has shape [{string.Join(",", info.Shape)}]");
                }

                for (long offset = 0; offset < info.ElementCount; offset += Chunk.Length)
                {
                    int count = (int)Math.Min(Chunk.Length, info.ElementCount - offset);
                    checkpoint.ReadFloat32(name, offset, Chunk.AsSpan(0, count));
                }
            }
        }
        catch (CheckpointException)
        {
        }
    }
}
