using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Parsing;

public sealed class TokenizerTests
{
    private static List<PaliGemmaToken> Tokenize(string text)
    {
        var tokens = new List<PaliGemmaToken>();
        foreach (var token in new PaliGemmaTokenizer(text))
        {
            tokens.Add(token);
        }

        return tokens;
    }

    [Fact]
    public void Splits_locations_segments_and_text_runs()
    {
        var tokens = Tokenize("x<loc0007><seg127> cat <loc1024><eos>");
        Assert.Equal(
            [
                new PaliGemmaToken(PaliGemmaTokenKind.Text, -1, 0, 1),
                new PaliGemmaToken(PaliGemmaTokenKind.Location, 7, 1, 9),
                new PaliGemmaToken(PaliGemmaTokenKind.Segmentation, 127, 10, 8),
                new PaliGemmaToken(PaliGemmaTokenKind.Text, -1, 18, 19),
            ],
            tokens);
    }

    [Fact]
    public void Empty_text_has_no_tokens() => Assert.Empty(Tokenize(string.Empty));

    [Theory]
    [InlineData("<loc0000>", 0)]
    [InlineData("<loc1023>", 1023)]
    [InlineData("<loc0512>tail", 512)]
    public void Reads_valid_location(string text, int expected)
    {
        Assert.True(PaliGemmaSpecialTokens.TryReadLocation(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("<loc1024>")]
    [InlineData("<loc999>")]
    [InlineData("<loc99999>")]
    [InlineData("<loc")]
    [InlineData(" <loc0001>")]
    [InlineData("<seg001>")]
    public void Rejects_invalid_location(string text)
    {
        Assert.False(PaliGemmaSpecialTokens.TryReadLocation(text, out var value));
        Assert.Equal(-1, value);
    }

    [Fact]
    public void Segmentation_range_is_0_to_127()
    {
        Assert.True(PaliGemmaSpecialTokens.TryReadSegmentation("<seg127>", out var value));
        Assert.Equal(127, value);
        Assert.False(PaliGemmaSpecialTokens.TryReadSegmentation("<seg128>", out _));
    }
}
