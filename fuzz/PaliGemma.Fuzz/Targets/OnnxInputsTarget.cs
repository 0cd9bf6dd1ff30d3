using PaliGemma.AI.Runtime.Onnx;
using PaliGemma.ModelFormat;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The protobuf skip-reader that lists a decoder graph's inputs (<see cref="OnnxGraphInputs.Read"/>) on an arbitrary
/// file. Only <see cref="InvalidDataException"/> may escape (the loader turns it into a <c>PaliGemmaModelException</c>);
/// an accepted file yields no more inputs than it has bytes, each with a non-empty name.
/// </summary>
internal static class OnnxInputsTarget
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        string path = InputFile.Write(ModelFileNames.Decoder, data);
        try
        {
            IReadOnlyDictionary<string, int> inputs = OnnxGraphInputs.Read(path);
            if (inputs.Count > data.Length || inputs.Keys.Any(name => name.Length == 0))
            {
                throw new InvariantException($"accepted {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}) from {data.Length} bytes");
            }
        }
        catch (InvalidDataException)
        {
        }
    }
}
