using System.Reflection;

namespace PaliGemma.SemanticKernel.Tests.Mcp;

/// <summary>
/// Finds the built <c>paligemma.dll</c>: the test project references the CLI project (not its assembly), so building
/// the tests builds it under <c>tools/PaliGemma.Cli/bin/&lt;Configuration&gt;/net10.0</c>; the path is baked in at build time.
/// </summary>
internal static class CliLocator
{
    public static string CliDll
    {
        get
        {
            string? path = typeof(CliLocator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CliOutput").Value;
            Assert.True(File.Exists(path), $"The CLI was not built at '{path}'. Build the test project (it builds the CLI).");
            return Path.GetFullPath(path!);
        }
    }
}
