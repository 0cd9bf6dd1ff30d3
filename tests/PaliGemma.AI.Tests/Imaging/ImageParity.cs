namespace PaliGemma.AI.Tests.Imaging;

/// <summary>How closely two 8-bit images agree.</summary>
internal readonly record struct ImageParity(long Values, long Exact, long WithinOne, int MaxDiff)
{
    public double ExactPercent => 100.0 * Exact / Values;

    public double WithinOnePercent => 100.0 * WithinOne / Values;

    public static ImageParity Compare(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        long exact = 0, withinOne = 0;
        int max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            int d = Math.Abs(actual[i] - expected[i]);
            exact += d == 0 ? 1 : 0;
            withinOne += d <= 1 ? 1 : 0;
            max = Math.Max(max, d);
        }

        return new ImageParity(actual.Length, exact, withinOne, max);
    }

    public override string ToString() =>
        FormattableString.Invariant($"exact {ExactPercent:F3}%, within 1: {WithinOnePercent:F3}%, max diff {MaxDiff}");
}
