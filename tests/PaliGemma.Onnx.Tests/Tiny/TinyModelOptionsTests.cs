using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Tiny;

/// <summary>Invalid tiny-model options fail with an <see cref="ArgumentException"/> naming the option and both values.</summary>
public sealed class TinyModelOptionsTests
{
    [Fact]
    public void The_defaults_are_valid() => new TinyModelOptions().Validate();

    [Fact]
    public void Vision_heads_that_do_not_divide_the_vision_width_are_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TinyModelOptions { VisionHiddenSize = 30, VisionHeads = 4 }.Validate());

        Assert.Equal("VisionHeads", ex.ParamName);
        Assert.StartsWith("VisionHeads 4 does not divide VisionHiddenSize 30.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_value_heads_that_do_not_divide_the_query_heads_are_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TinyModelOptions { TextHeads = 4, TextKeyValueHeads = 3 }.Validate());

        Assert.Equal("TextKeyValueHeads", ex.ParamName);
        Assert.StartsWith("TextKeyValueHeads 3 does not divide TextHeads 4.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_size_off_the_patch_grid_is_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TinyModelOptions { ImageSize = 50, PatchSize = 14 }.Validate());

        Assert.Equal("ImageSize", ex.ParamName);
        Assert.StartsWith("ImageSize 50 is not a multiple of PatchSize 14.", ex.Message, StringComparison.Ordinal);
    }
}
