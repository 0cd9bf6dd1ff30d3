using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Checkpoints;

/// <summary>Stored tensor bytes convert to float32 and back; a buffer of the wrong size is named with both sizes.</summary>
public sealed class TensorConversionTests
{
    [Theory]
    [InlineData(TensorDataType.Float32)]
    [InlineData(TensorDataType.Float16)]
    [InlineData(TensorDataType.BFloat16)]
    public void Values_exact_in_every_type_survive_a_round_trip(TensorDataType type)
    {
        float[] values = [0f, 1f, -2f, 0.5f, 256f];
        byte[] stored = new byte[values.Length * (type == TensorDataType.Float32 ? 4 : 2)];
        float[] back = new float[values.Length];

        TensorConversion.FromFloat32(type, values, stored);
        TensorConversion.ToFloat32(type, stored, back);

        Assert.Equal(values, back);
    }

    [Fact]
    public void A_source_of_the_wrong_size_is_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorConversion.ToFloat32(TensorDataType.Float16, new byte[5], new float[3]));

        Assert.Equal("source", ex.ParamName);
        Assert.StartsWith("Source holds 5 bytes, expected 3 Float16 elements.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_destination_of_the_wrong_size_is_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => TensorConversion.FromFloat32(TensorDataType.Float32, new float[2], new byte[4]));

        Assert.Equal("destination", ex.ParamName);
        Assert.StartsWith("Destination holds 4 bytes, expected 2 Float32 elements.", ex.Message, StringComparison.Ordinal);
    }
}
