using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests.TestSupport;

/// <summary>Runs the <c>paligemma</c> CLI (built next to the tests) in its own process, and finds committed fixtures.</summary>
internal static class CliProcess
{
    /// <summary>Gets the path of the CLI built next to the tests (<c>paligemma.dll</c>), checked to exist.</summary>
    public static string DllPath
    {
        get
        {
            string cli = Path.Combine(AppContext.BaseDirectory, "paligemma.dll");
            Assert.True(File.Exists(cli), $"the CLI was not built next to the tests: {cli}");
            return cli;
        }
    }

    /// <summary>Runs <c>dotnet paligemma.dll ARGS</c> and returns its exit code and output (two-minute limit).</summary>
    /// <param name="arguments">The CLI's arguments.</param>
    /// <param name="environment">Environment variables to set for it (a null value removes one).</param>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        ProcessRunner.RunAsync("dotnet", [DllPath, .. arguments], environment);

    /// <summary>The path of a committed image under <c>tests/Fixtures/imaging</c>.</summary>
    public static string FixtureImage(string name)
    {
        string path = RepositoryPaths.Combine("tests", "Fixtures", "imaging", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Fixture image '{name}' not found at {path}.", path);
    }

    /// <summary>The path of a committed fixture folder under <c>tests/Fixtures</c>, for example <c>scenes</c>.</summary>
    public static string FixtureFolder(string name)
    {
        string path = RepositoryPaths.Combine("tests", "Fixtures", name);
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"Fixture folder '{name}' not found at {path}.");
    }
}
