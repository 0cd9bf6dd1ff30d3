namespace PaliGemma.SemanticKernel.Tests.Security;

/// <summary>
/// A temporary folder layout: <c>root/</c> (the allowed root, holding <c>scene.png</c> and <c>sub/scene.png</c>)
/// next to <c>outside/</c> (holding <c>secret.png</c>, a valid image that must never be reachable).
/// </summary>
internal sealed class TempRoot : IDisposable
{
    public TempRoot()
    {
        Base = Directory.CreateTempSubdirectory("pg-refs-").FullName;
        Root = Directory.CreateDirectory(Path.Combine(Base, "root")).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(Base, "outside")).FullName;
        Directory.CreateDirectory(Path.Combine(Root, "sub"));
        File.WriteAllBytes(Path.Combine(Root, "scene.png"), TestModels.AgentModelFixture.SceneBytes);
        File.WriteAllBytes(Path.Combine(Root, "sub", "scene.png"), TestModels.AgentModelFixture.SceneBytes);
        File.WriteAllBytes(Path.Combine(Outside, "secret.png"), TestModels.AgentModelFixture.SceneBytes);
    }

    public string Base { get; }

    public string Root { get; }

    public string Outside { get; }

    public PaliGemmaToolOptions Options()
    {
        var options = new PaliGemmaToolOptions();
        options.AllowedRoots.Add(Root);
        return options;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
