using PaliGemma.Tests.Shared;

namespace PaliGemma.Onnx.Tests.Training;

/// <summary>
/// Debian's Python with python3-torch, python3-numpy and python3-pil, which the tests of tools/reference need. CI
/// (.ci/run) installs them and sets <c>CI</c>, so there a missing Python fails the test; elsewhere the test is skipped
/// with the install command as the reason.
/// </summary>
internal static class DebianPython
{
    /// <summary>The interpreter the tools are written for.</summary>
    public const string Path = "/usr/bin/python3";

    private const string Install = "apt-get install -y --no-install-recommends python3-torch python3-numpy python3-pil fonts-dejavu-core";

    /// <summary>Fails (under CI) or skips (elsewhere) unless <see cref="Path"/> imports torch, numpy and PIL.</summary>
    /// <param name="what">What needs Python, for the messages.</param>
    public static async Task RequireAsync(string what)
    {
        string? problem = null;
        if (!File.Exists(Path))
        {
            problem = $"{Path} does not exist";
        }
        else
        {
            (int exit, string output) = await RunAsync(["-c", "import torch, numpy, PIL"], TimeSpan.FromMinutes(1));
            if (exit != 0)
            {
                problem = $"{Path} cannot import torch, numpy and PIL: {output.Trim()}";
            }
        }

        if (problem is null)
        {
            return;
        }

        Assert.True(Environment.GetEnvironmentVariable("CI") is not { Length: > 0 }, $"CI must run {what}, but {problem}; .ci/run installs it with `{Install}`.");
        Skip.If(true, $"{problem}. {what} needs Debian's Python: {Install}");
    }

    /// <summary>Runs <see cref="Path"/> with <paramref name="args"/> in the repository root; returns the exit code and stdout + stderr.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string[] args, TimeSpan timeout)
    {
        (int exit, string stdout, string stderr) = await ProcessRunner.RunAsync(Path, args, workingDirectory: RepositoryPaths.Root, timeout: timeout);
        return (exit, stdout + stderr);
    }
}
