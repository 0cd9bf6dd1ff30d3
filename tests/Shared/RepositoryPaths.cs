namespace PaliGemma.Tests.Shared;

/// <summary>Finds the repository (the folder holding PaliGemma.Extensions.sln) above the test assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>Gets the repository root.</summary>
    public static string Root { get; } = Find();

    /// <summary>Gets a path below the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaliGemma.Extensions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("PaliGemma.Extensions.sln not found above " + AppContext.BaseDirectory);
    }
}
