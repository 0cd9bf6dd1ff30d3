using SharpFuzz;

namespace PaliGemma.Fuzz;

/// <summary>Runs a target over saved inputs (a corpus or crash artifacts) without a fuzzer.</summary>
internal static class Replay
{
    /// <summary>Runs <paramref name="target"/> on every file in <paramref name="paths"/>; returns 1 when any input failed.</summary>
    public static int Run(ReadOnlySpanAction target, string[] paths)
    {
        int failures = 0;
        int count = 0;
        foreach (string path in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]))
        {
            count++;
            try
            {
                target(File.ReadAllBytes(path));
            }
            catch (Exception ex)
            {
                failures++;
                Console.Error.WriteLine($"{path}: {ex}");
            }
        }

        Console.Error.WriteLine($"replayed {count} inputs, {failures} failed");
        return failures == 0 ? 0 : 1;
    }
}
