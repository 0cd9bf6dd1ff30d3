using System.Runtime.CompilerServices;

namespace PaliGemma.AI;

/// <summary>
/// Test hook: counts how often an image header is read (every codec open in <see cref="SafeImageDecoder"/>, whether to
/// identify or to decode) within the asynchronous flow that called <see cref="Start"/>. Nothing is counted outside it.
/// </summary>
internal static class ImageHeaderReads
{
    private static readonly AsyncLocal<StrongBox<int>?> Current = new();

    /// <summary>Starts counting in the calling flow (and the tasks it starts from now on).</summary>
    /// <returns>The counter.</returns>
    public static StrongBox<int> Start()
    {
        var box = new StrongBox<int>();
        Current.Value = box;
        return box;
    }

    /// <summary>Counts one header read when the calling flow is being counted.</summary>
    public static void Note()
    {
        if (Current.Value is { } box)
        {
            Interlocked.Increment(ref box.Value);
        }
    }
}
