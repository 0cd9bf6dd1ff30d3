using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Runtime.Onnx;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// Issue 22 item 1, "one precision end to end": the converter keeps the vision features float32 at both ends for every
/// weight precision (the vision graph's <c>image_features</c> output and the decoder's <c>image_features</c> input),
/// so the features cross from the vision session to the generator as float32 without any fp16→float→fp16 round trip.
/// </summary>
public sealed class FeaturePrecisionTests
{
    [Theory]
    [InlineData(TinyModelKind.PaliGemma2At224)]
    [InlineData(TinyModelKind.PaliGemma2At224Fp16)]
    public void Vision_output_and_decoder_input_features_are_float32(TinyModelKind kind)
    {
        string folder = TinyModelFixture.FolderOf(kind);

        var decoderInputs = OnnxGraphInputs.Read(Path.Combine(folder, "decoder.onnx"));
        Assert.Equal(OnnxGraphInputs.ElementTypeFloat, decoderInputs[DecoderGraphNames.ImageFeatures]);

        using var vision = new InferenceSession(Path.Combine(folder, "vision.onnx"));
        Assert.Equal(TensorElementType.Float, vision.OutputMetadata[VisionGraphNames.ImageFeatures].ElementDataType);
        Assert.Equal(TensorElementType.Float, vision.InputMetadata[VisionGraphNames.PixelValues].ElementDataType);
    }

    [Fact]
    public void The_fp16_folder_really_stores_fp16_weights()
    {
        // Guards the test above against passing on a folder that was silently exported in float32.
        string full = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224);
        string half = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224Fp16);
        foreach (string graph in new[] { "vision.onnx.data", "decoder.onnx.data" })
        {
            long size32 = new FileInfo(Path.Combine(full, graph)).Length;
            long size16 = new FileInfo(Path.Combine(half, graph)).Length;
            Assert.True(size16 < size32 * 0.6, $"{graph}: fp16 {size16} bytes vs fp32 {size32}");
        }
    }
}
