using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The Hugging Face <c>config.json</c> reader on an arbitrary file. Only <see cref="CheckpointException"/> may escape,
/// and an accepted config has positive sizes and an image size that is a multiple of the patch size.
/// </summary>
internal static class ConfigTarget
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        string path = InputFile.Write("config.json", data);
        try
        {
            PaliGemmaConfig config = PaliGemmaConfigReader.Read(path);
            if (config.Text.HiddenSize <= 0 || config.Text.NumHiddenLayers <= 0 || config.Text.VocabSize <= 0 ||
                config.Vision.HiddenSize <= 0 || config.Vision.PatchSize <= 0 || config.Vision.ImageSize % config.Vision.PatchSize != 0)
            {
                throw new InvariantException($"accepted an inconsistent config: {config}");
            }
        }
        catch (CheckpointException)
        {
        }
    }
}
