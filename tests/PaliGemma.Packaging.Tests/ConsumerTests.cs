using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PaliGemma.AI;
using PaliGemma.Tests.Shared;
using Xunit.Abstractions;

namespace PaliGemma.Packaging.Tests;

/// <summary>
/// The README's "Install" section, run as a new user would: its commands, its <c>Program.cs</c> and its tool
/// commands, against the packages of this repository in a temporary local feed (plus the NuGet sources this machine
/// is configured with, for the dependencies). The steps come from the README itself, so the README cannot drift.
/// Restores use a fresh package folder with this machine's global package folder as a fallback folder: dependencies
/// the repository's own build restored are used from there, and our freshly packed packages never mix with old ones.
/// </summary>
[Collection(PackageFeedCollection.Name)]
public sealed class ConsumerTests(PackageFeed feed, ITestOutputHelper output)
{
    private const string NativeCpuPackage = "Microsoft.ML.OnnxRuntimeGenAI";
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_readme_install_steps_work_from_a_local_feed()
    {
        var total = Stopwatch.StartNew();
        PackageFeed.PackResult pack = await feed.PackedAsync();
        Assert.True(pack.Result.ExitCode == 0, pack.Result.ToString());
        output.WriteLine($"pack: {pack.Elapsed.TotalSeconds:F0} s (shared with the package-contents tests)");

        InstallSection readme = InstallSection.Read();
        string app = Directory.CreateDirectory(Path.Combine(feed.Root, "app")).FullName;
        string tools = Path.Combine(feed.Root, "tools");
        Dictionary<string, string?> environment = Tool.IsolatedEnvironment(feed.Root);
        environment["NUGET_PACKAGES"] = Path.Combine(feed.Root, "packages");
        await WriteNuGetConfigAsync(environment);
        File.Copy(RepositoryPaths.Combine("samples", "AgentDemo", "assets", "shapes.png"), Path.Combine(app, "shapes.png"));

        // 1. The project commands, except the native runtime: first the consumer who forgot it gets the message.
        string[] nativeLine = [.. readme.ProjectCommands.Single(c => c.Contains(NativeCpuPackage))];
        foreach (string[] command in readme.ProjectCommands.Where(c => !c.Contains(NativeCpuPackage)))
        {
            await Step(command, app, environment);
        }

        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), readme.Program);
        Tool.Result missing = await Run(["dotnet", "run"], app, environment);
        Assert.True(missing.ExitCode != 0, missing.ToString());
        Assert.Contains("PaliGemma.AI.Runtime.PaliGemmaModelException", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains($"'dotnet add package {NativeCpuPackage}' for CPUs", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains($"'dotnet add package {NativeCpuPackage}.Cuda' for NVIDIA GPUs", missing.Stderr, StringComparison.Ordinal);

        // 2. With the native package: the boxes of the bundled scene, exactly as the README says.
        Assert.Contains($"--version {NativeRuntimeVersion()}", string.Join(' ', nativeLine), StringComparison.Ordinal);
        await Step(nativeLine, app, environment);
        Tool.Result detected = await Step(["dotnet", "run"], app, environment);
        // The consumer gets the CPU default conversion (an int4 mix), the fixture is the fp32 reference's answer: the
        // same objects in the same order, each box within a few pixels; the README quotes exactly what the consumer prints.
        string[] printed = Lines(detected.Stdout);
        AssertSameObjects(ExpectedBoxes(), printed);
        foreach (string line in printed)
        {
            Assert.Contains($"`{line}`", readme.Text, StringComparison.Ordinal);
        }

        // 3. The tool, from the same feed, in a tool path instead of globally.
        foreach (string[] command in readme.ToolCommands)
        {
            string[] actual = command[0] == "dotnet"
                ? [.. command.Select(a => a == "--global" ? "--tool-path" : a).SelectMany(a => a == "--tool-path" ? new[] { a, tools } : [a])]
                : [Path.Combine(tools, command[0]), .. command.Skip(1)];
            Tool.Result result = await Step(actual, app, environment);
            if (command.Contains("--version"))
            {
                Assert.StartsWith(PackageFeed.Version, result.Stdout.Trim(), StringComparison.Ordinal);
            }
            else if (command[0] == "paligemma" && command[1] == "run")
            {
                AssertSameObjects(BoxLines(SceneAnswer()), BoxLines(result.Stdout.Trim()));
            }
        }

        Assert.Contains(readme.ToolCommands, c => c[0] == "paligemma" && c[1] == "run");
        using JsonDocument mcp = JsonDocument.Parse(readme.McpConfiguration);
        JsonElement server = mcp.RootElement.GetProperty("mcpServers").GetProperty("paligemma");
        Assert.Equal("paligemma", server.GetProperty("command").GetString());
        Assert.Equal("mcp", server.GetProperty("args")[0].GetString());
        output.WriteLine($"consumer test: {total.Elapsed.TotalSeconds:F0} s in all");
    }

    /// <summary>The detect answer of the bundled model on the scene, from the training code's own decoder.</summary>
    private static string SceneAnswer()
    {
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("tests", "Fixtures", "scene-model", "expected.json")));
        return expected.RootElement.GetProperty("answers").GetProperty("detect circle ; square ; triangle ; star ; hexagon").GetString()!;
    }

    /// <summary>The lines the README's Program.cs prints for that answer on the 224 × 224 scene.</summary>
    private static string[] ExpectedBoxes() => BoxLines(SceneAnswer());

    /// <summary>The lines the README's Program.cs prints for a detect answer on the 224 × 224 scene.</summary>
    private static string[] BoxLines(string answer) =>
        [.. PaliGemmaOutputParser.ParseDetections(answer, 224, 224).Select(item => string.Create(
            CultureInfo.InvariantCulture, $"{item.Label}: {item.Box.Left:0},{item.Box.Top:0} - {item.Box.Right:0},{item.Box.Bottom:0}"))];

    /// <summary>Same labels in the same order, every box edge within 3 px (a few loc steps of the 224 px scene).</summary>
    private static void AssertSameObjects(string[] expected, string[] actual)
    {
        Assert.True(expected.Length > 0, "the reference answer has no objects");
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            (string label, int[] box) e = ParseLine(expected[i]), a = ParseLine(actual[i]);
            Assert.Equal(e.label, a.label);
            Assert.True(e.box.Zip(a.box).All(p => Math.Abs(p.First - p.Second) <= 3), $"'{actual[i]}' is not within 3 px of '{expected[i]}'");
        }
    }

    private static (string Label, int[] Box) ParseLine(string line)
    {
        Match m = Regex.Match(line, @"^(.+): (\d+),(\d+) - (\d+),(\d+)$");
        Assert.True(m.Success, $"not a box line: '{line}'");
        return (m.Groups[1].Value, [.. Enumerable.Range(2, 4).Select(g => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture))]);
    }

    private static string NativeRuntimeVersion()
    {
        string props = File.ReadAllText(RepositoryPaths.Combine("Directory.Packages.props"));
        return Regex.Match(props, "Include=\"Microsoft.ML.OnnxRuntimeGenAI.Managed\" Version=\"([^\"]+)\"").Groups[1].Value;
    }

    private static string[] Lines(string text) => [.. text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)];

    /// <summary>A nuget.config with the local feed (for PaliGemma.* only) and this machine's enabled sources.</summary>
    private async Task WriteNuGetConfigAsync(Dictionary<string, string?> environment)
    {
        Tool.Result sources = await Step(["dotnet", "nuget", "list", "source", "--format", "short"], feed.Root, environment);
        string[] urls = [.. Lines(sources.Stdout).Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim())];
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var config = new StringBuilder();
        config.AppendLine("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />");
        config.AppendLine(CultureInfo.InvariantCulture, $"    <add key=\"local\" value=\"{feed.Feed}\" />");
        for (int i = 0; i < urls.Length; i++)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"    <add key=\"machine{i}\" value=\"{urls[i]}\" />");
        }

        config.AppendLine("  </packageSources>\n  <packageSourceMapping>\n    <packageSource key=\"local\"><package pattern=\"PaliGemma.*\" /></packageSource>");
        for (int i = 0; i < urls.Length; i++)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"    <packageSource key=\"machine{i}\"><package pattern=\"*\" /></packageSource>");
        }

        config.AppendLine("  </packageSourceMapping>\n  <fallbackPackageFolders>");
        if (Directory.Exists(machinePackages))
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"    <add key=\"machine\" value=\"{machinePackages}\" />");
        }

        config.AppendLine("  </fallbackPackageFolders>\n</configuration>");
        await File.WriteAllTextAsync(Path.Combine(feed.Root, "nuget.config"), config.ToString());
    }

    private async Task<Tool.Result> Step(IReadOnlyList<string> command, string directory, Dictionary<string, string?> environment)
    {
        Tool.Result result = await Run(command, directory, environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private async Task<Tool.Result> Run(IReadOnlyList<string> command, string directory, Dictionary<string, string?> environment)
    {
        var stopwatch = Stopwatch.StartNew();
        Tool.Result result = await Tool.RunAsync(command[0], [.. command.Skip(1)], directory, environment, StepLimit);
        output.WriteLine($"{stopwatch.Elapsed.TotalSeconds,5:F1} s  {result.Command} -> {result.ExitCode}");
        return result;
    }

    /// <summary>The README's "## Install" section: its shell commands, Program.cs and MCP configuration.</summary>
    private sealed record InstallSection(string Text, IReadOnlyList<string[]> ProjectCommands, string Program, IReadOnlyList<string[]> ToolCommands, string McpConfiguration)
    {
        public static InstallSection Read()
        {
            string readme = File.ReadAllText(RepositoryPaths.Combine("README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
            int start = readme.IndexOf("\n## Install\n", StringComparison.Ordinal);
            Assert.True(start >= 0, "README.md has no '## Install' section");
            int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            string section = readme[start..(end < 0 ? readme.Length : end)];
            var blocks = Regex.Matches(section, "```(\\w+)\\n(.*?)```", RegexOptions.Singleline).Select(m => (Language: m.Groups[1].Value, Body: m.Groups[2].Value)).ToList();
            string[][] shell = [.. blocks.Where(b => b.Language == "bash").Select(b => b.Body)
                .SelectMany(body => body.Split('\n')).Select(Words).Where(w => w.Length > 0)];
            string[][] project = [.. shell.TakeWhile(c => !(c.Length > 1 && c[1] == "tool"))];
            string[][] tool = [.. shell.Skip(project.Length)];
            Assert.Equal(["dotnet", "new", "console"], project[0]);
            Assert.Equal(["dotnet", "tool", "install", "--global", "PaliGemma.Cli"], tool[0]);
            return new InstallSection(
                section,
                project,
                Assert.Single(blocks, b => b.Language == "csharp").Body,
                tool,
                Assert.Single(blocks, b => b.Language == "json").Body);
        }

        /// <summary>Splits a command line as a POSIX shell does for these lines: words, double quotes, a trailing comment.</summary>
        private static string[] Words(string line)
        {
            var words = new List<string>();
            var word = new StringBuilder();
            bool quoted = false;
            bool inWord = false;
            foreach (char c in line)
            {
                if (c == '"')
                {
                    quoted = !quoted;
                    inWord = true;
                }
                else if (!quoted && c == '#' && !inWord)
                {
                    break;
                }
                else if (!quoted && char.IsWhiteSpace(c))
                {
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }
                }
                else
                {
                    word.Append(c);
                    inWord = true;
                }
            }

            if (inWord)
            {
                words.Add(word.ToString());
            }

            return [.. words];
        }
    }
}
