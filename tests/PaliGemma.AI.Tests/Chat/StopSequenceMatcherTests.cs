namespace PaliGemma.AI.Tests.Chat;

public sealed class StopSequenceMatcherTests
{
    private static (string Output, bool Stopped) Feed(IEnumerable<string> stops, params string[] pieces)
    {
        var matcher = new StopSequenceMatcher(stops);
        var output = string.Concat(pieces.Select(matcher.Append));
        return (output + matcher.Flush(), matcher.Stopped);
    }

    [Fact]
    public void No_stop_sequences_passes_text_through_unchanged()
    {
        var matcher = new StopSequenceMatcher(null);
        Assert.Equal("ab", matcher.Append("ab"));
        Assert.Equal("<c", matcher.Append("<c"));
        Assert.Equal(string.Empty, matcher.Flush());
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void Sequence_spanning_three_pieces_stops_and_is_trimmed()
    {
        var (output, stopped) = Feed(["END"], "a cat E", "N", "D and more");
        Assert.Equal("a cat ", output);
        Assert.True(stopped);
    }

    [Fact]
    public void Possible_start_of_a_stop_sequence_is_held_back_until_decided()
    {
        var matcher = new StopSequenceMatcher(["STOP"]);
        Assert.Equal("dog ", matcher.Append("dog ST"));
        Assert.Equal("STay", matcher.Append("ay"));
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void Held_text_is_released_by_flush_when_the_stream_ends()
    {
        var matcher = new StopSequenceMatcher(["STOP"]);
        Assert.Equal("x", matcher.Append("xSTO"));
        Assert.Equal("STO", matcher.Flush());
    }

    [Fact]
    public void Earliest_of_several_sequences_wins()
    {
        var (output, stopped) = Feed(["cat", "a c"], "this is a cat");
        Assert.Equal("this is ", output);
        Assert.True(stopped);
    }

    [Fact]
    public void Input_after_a_match_is_ignored()
    {
        var matcher = new StopSequenceMatcher([";"]);
        Assert.Equal("a ", matcher.Append("a ; b"));
        Assert.Equal(string.Empty, matcher.Append("more"));
        Assert.Equal(string.Empty, matcher.Flush());
        Assert.Equal(";", matcher.MatchedSequence);
    }

    [Fact]
    public void Overlapping_prefix_is_still_found()
    {
        // "aab" inside "aaab": after "aa" is held, another "a" must keep the right suffix.
        var (output, stopped) = Feed(["aab"], "x", "a", "a", "a", "b", "y");
        Assert.Equal("xa", output);
        Assert.True(stopped);
    }

    [Fact]
    public void Empty_and_null_sequences_are_ignored()
    {
        var (output, stopped) = Feed(["", null!], "abc");
        Assert.Equal("abc", output);
        Assert.False(stopped);
    }
}
