using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Parsing;

public sealed class TextParsingTests
{
    [Theory]
    [InlineData("a cat on a sofa<eos>", "a cat on a sofa")]
    [InlineData("\nhello world\n", "hello world")]
    [InlineData("two<eos><eos>", "two")]
    [InlineData("yes <end_of_turn>", "yes")]
    [InlineData("STOP<eos>\n", "STOP")]
    [InlineData("<eos>", "")]
    [InlineData("", "")]
    [InlineData("keep <eos> inside", "keep <eos> inside")]
    public void ParseText_strips_end_markers_and_white_space(string text, string expected) =>
        Assert.Equal(expected, PaliGemmaOutputParser.ParseText(text));

    [Fact]
    public void ParseText_rejects_null() =>
        Assert.Throws<ArgumentNullException>(() => PaliGemmaOutputParser.ParseText(null!));
}
