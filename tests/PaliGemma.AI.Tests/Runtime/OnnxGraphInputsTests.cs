using PaliGemma.AI.Runtime.Onnx;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>The weight-free reader of an ONNX file's graph inputs.</summary>
public sealed class OnnxGraphInputsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "pg-onnx-" + Guid.NewGuid().ToString("N") + ".onnx");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Reads_input_names_and_element_types()
    {
        File.WriteAllBytes(_path, OnnxBytes.Model([("input_ids", 7), ("image_features", 10), ("pixel_values", 1)]));
        var inputs = OnnxGraphInputs.Read(_path);
        Assert.Equal(3, inputs.Count);
        Assert.Equal(7, inputs["input_ids"]);
        Assert.Equal(10, inputs["image_features"]);
        Assert.Equal(1, inputs["pixel_values"]);
    }

    [Fact]
    public void Every_truncation_is_reported()
    {
        byte[] bytes = OnnxBytes.Model("input_ids", "image_features");
        for (int length = 1; length < bytes.Length; length++)
        {
            File.WriteAllBytes(_path, bytes[..length]);
            try
            {
                var inputs = OnnxGraphInputs.Read(_path);
                // A cut exactly between top-level fields before the graph leaves no graph; after it nothing is lost.
                Assert.Fail($"length {length}: read {inputs.Count} inputs from a truncated file");
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void Non_onnx_bytes_are_rejected()
    {
        File.WriteAllText(_path, "this is not an onnx file at all");
        Assert.Throws<InvalidDataException>(() => OnnxGraphInputs.Read(_path));
    }
}
