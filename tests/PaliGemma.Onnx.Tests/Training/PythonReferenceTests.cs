using System.Text.RegularExpressions;

namespace PaliGemma.Onnx.Tests.Training;

/// <summary>
/// The Python reference's own self-checks (tools/reference/tests: the oracle against the committed fixtures, the
/// training pieces), run by the README's test command so CI runs them. About half a minute on two cores.
/// </summary>
public sealed class PythonReferenceSelfTests
{
    [SkippableFact]
    public async Task The_reference_unittests_pass()
    {
        await DebianPython.RequireAsync("the reference self-tests");

        (int exit, string output) = await DebianPython.RunAsync(["-m", "unittest", "discover", "-s", "tools/reference/tests"], TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, $"python -m unittest discover -s tools/reference/tests exited {exit}:\n{output}");
        Match ran = Regex.Match(output, @"^Ran (\d+) tests? in", RegexOptions.Multiline);
        Assert.True(ran.Success, output);
        Assert.True(int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 20, $"only {ran.Groups[1].Value} tests ran:\n{output}");
        Assert.Matches(@"(?m)^OK\b", output);
    }
}

/// <summary>
/// The committed reference fixtures (tests/Fixtures/reference) are what the oracle computes today:
/// <c>make_fixtures.py --check</c> regenerates every case in a temporary folder and compares. About 20 s on two cores.
/// </summary>
public sealed class ReferenceFixturesCheckTests
{
    [SkippableFact]
    public async Task The_committed_fixtures_match_a_regeneration()
    {
        await DebianPython.RequireAsync("make_fixtures.py --check");

        (int exit, string output) = await DebianPython.RunAsync(["tools/reference/make_fixtures.py", "--check"], TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, $"make_fixtures.py --check exited {exit}:\n{output}");
        Assert.Contains("CHECK PASSED", output, StringComparison.Ordinal);
        Assert.Contains("arrays.bin: max |diff|", output, StringComparison.Ordinal);
    }

    /// <summary>The LoRA fixtures (tests/Fixtures/lora: PEFT adapters + the unmerged reference's logits) regenerate identically. About 10 s.</summary>
    [SkippableFact]
    public async Task The_committed_lora_fixtures_match_a_regeneration()
    {
        await DebianPython.RequireAsync("make_lora_fixtures.py --check");

        (int exit, string output) = await DebianPython.RunAsync(["tools/reference/make_lora_fixtures.py", "--check"], TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, $"make_lora_fixtures.py --check exited {exit}:\n{output}");
        Assert.Contains("CHECK PASSED", output, StringComparison.Ordinal);
        Assert.Contains("adapter_model.safetensors: identical", output, StringComparison.Ordinal);
    }
}
