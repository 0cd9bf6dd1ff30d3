using System.Reflection;

namespace PaliGemma.SemanticKernel.Tests.Mcp;

/// <summary>
/// Finds the built <c>paligemma.dll</c>: the test project references the CLI project (not its assembly), so building
/// the tests builds it under <c>tools/PaliGemma.Cli/bin/&lt;Configuration&gt;/net10.0</c>; the path is baked in at build time.
/// </summary>
internal static class CliLocator
{
    public static string CliDll => Locate("CliOutput");

    /// <summary>The built AgentDemo.dll (also built, not referenced, by the test project).</summary>
    public static string AgentDemoDll => Locate("AgentDemoOutput");

    private static string Locate(string key)
    {
        string? path = typeof(CliLocator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;
        Assert.True(File.Exists(path), $"'{path}' was not built. Build the test project (it builds the CLI and the demo).");
        return Path.GetFullPath(path!);
    }
}
