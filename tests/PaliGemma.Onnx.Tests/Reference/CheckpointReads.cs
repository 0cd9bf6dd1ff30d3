using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Reference;

/// <summary>Whole-tensor reads for any checkpoint (the reference implementations read tensors by name).</summary>
internal static class CheckpointReads
{
    public static float[] Read(this ICheckpointReader reader, string name)
    {
        var data = new float[reader.GetInfo(name).ElementCount];
        reader.ReadFloat32(name, data);
        return data;
    }
}
