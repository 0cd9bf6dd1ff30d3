using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PaliGemma.Tests.Shared;

namespace PaliGemma.Packaging.Tests;

/// <summary>
/// Every packable project of the repository (src/*, tools/PaliGemma.Cli) packed once, without building (the test
/// project's references built them in this configuration), into a temporary folder used as a local NuGet feed.
/// </summary>
public sealed class PackageFeed : IDisposable
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private readonly Lazy<Task<PackResult>> _pack;

    public PackageFeed()
    {
        Root = Directory.CreateTempSubdirectory("pg-packaging-").FullName;
        Feed = Path.Combine(Root, "feed");
        _pack = new Lazy<Task<PackResult>>(PackAsync);
    }

    /// <summary>The temporary folder of the run (feed, consumer app, tool path, caches).</summary>
    public string Root { get; }

    /// <summary>The local feed.</summary>
    public string Feed { get; }

    /// <summary>The projects that ship a package: every project under src/, and the CLI.</summary>
    public static IReadOnlyList<string> PackableProjects { get; } =
    [
        .. Directory.GetDirectories(RepositoryPaths.Combine("src")).Select(d => Path.Combine(d, Path.GetFileName(d) + ".csproj")).Where(File.Exists).Order(StringComparer.Ordinal),
        RepositoryPaths.Combine("tools", "PaliGemma.Cli", "PaliGemma.Cli.csproj"),
    ];

    /// <summary>The version every package has: VersionPrefix of Directory.Build.props.</summary>
    public static string Version { get; } = ReadVersion();

    /// <summary>Packs once and returns the pack command's result.</summary>
    public Task<PackResult> PackedAsync() => _pack.Value;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A tool process may still hold a file for a moment; the folder is under the temp directory.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<PackResult> PackAsync()
    {
        // One pack command over a solution filter of the packable projects: one MSBuild evaluation of only those.
        string filter = Path.Combine(Root, "packages.slnf");
        string solution = RepositoryPaths.Combine("PaliGemma.Extensions.sln");
        var projects = PackableProjects.Select(p => Path.GetRelativePath(RepositoryPaths.Root, p)).ToArray();
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new { solution = new { path = solution, projects } }));
        var stopwatch = Stopwatch.StartNew();
        Tool.Result result = await Tool.RunAsync(
            "dotnet", ["pack", filter, "--no-build", "-c", Configuration, "-o", Feed, "-nologo"], RepositoryPaths.Root, Tool.IsolatedEnvironment(Root), TimeSpan.FromMinutes(4));
        return new PackResult(result, stopwatch.Elapsed);
    }

    private static string ReadVersion()
    {
        string props = File.ReadAllText(RepositoryPaths.Combine("Directory.Build.props"));
        int start = props.IndexOf("<VersionPrefix>", StringComparison.Ordinal) + "<VersionPrefix>".Length;
        int end = props.IndexOf("</VersionPrefix>", start, StringComparison.Ordinal);
        return props[start..end].Trim();
    }

    /// <summary>What the pack command did.</summary>
    public sealed record PackResult(Tool.Result Result, TimeSpan Elapsed);
}

/// <summary>The collection sharing one <see cref="PackageFeed"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PackageFeedCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "Packed feed";
}

/// <summary>Runs dotnet and the installed tool as child processes.</summary>
public static class Tool
{
    /// <summary>Exit code and output of a process.</summary>
    public sealed record Result(string Command, int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"`{Command}` exited with {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>
    /// The environment of a consumer: the SDK's MSBuild variables of the test host removed (they point the child's
    /// build at the parent's MSBuild), no node reuse (no MSBuild processes outlive the test), the bundled model's
    /// conversion cache under <paramref name="root"/>.
    /// </summary>
    public static Dictionary<string, string?> IsolatedEnvironment(string root)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1",
            ["UseSharedCompilation"] = "false",
            ["XDG_CACHE_HOME"] = Path.Combine(root, "cache"),
        };
        foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                environment.TryAdd(name, null);
            }
        }

        return environment;
    }

    /// <summary>Runs a program to completion (killed, with its children, after <paramref name="timeout"/>).</summary>
    public static async Task<Result> RunAsync(string file, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        string command = string.Join(' ', [Path.GetFileName(file), .. arguments]);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish within {timeout}:\n{await stdout}\n{await stderr}");
        }

        return new Result(command, process.ExitCode, await stdout, await stderr);
    }
}
