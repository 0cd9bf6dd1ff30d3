using PaliGemma.Fuzz;
using PaliGemma.Fuzz.Targets;
using SharpFuzz;

// PaliGemma.Fuzz TARGET            run TARGET under libFuzzer (fuzz/run.sh starts it through libfuzzer-dotnet)
// PaliGemma.Fuzz TARGET PATH...    replay inputs (files, or every file of a folder) without a fuzzer; exit 1 on a finding
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out ReadOnlySpanAction? target))
{
    Console.Error.WriteLine($"usage: PaliGemma.Fuzz TARGET [INPUT...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

if (Environment.GetEnvironmentVariable("__LIBFUZZER_SHM_ID") is not null)
{
    Fuzzer.LibFuzzer.Run(target);
    return 0;
}

return Replay.Run(target, args[1..]);
