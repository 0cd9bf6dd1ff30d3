using System.Runtime.InteropServices;
using SharpFuzz;

namespace PaliGemma.Fuzz;

/// <summary>
/// Runs a target over saved inputs (a corpus or crash artifacts) without a fuzzer. Works on the plain build and on
/// the instrumented one (<c>fuzz/out/publish</c>): instrumented code writes every branch into
/// <c>SharpFuzz.Common.Trace.SharedMem</c>, which is null outside a fuzzer, so a scratch map is installed first.
/// </summary>
internal static class Replay
{
    /// <summary>Runs <paramref name="target"/> on every file in <paramref name="paths"/>; returns 1 when any input failed.</summary>
    public static int Run(ReadOnlySpanAction target, string[] paths)
    {
        unsafe
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(1 << 16);
        }

        return RunAll(target, paths);
    }

    private static int RunAll(ReadOnlySpanAction target, string[] paths)
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
