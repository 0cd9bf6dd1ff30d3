using PaliGemma.AI.Tests.Chat;

namespace PaliGemma.AI.Tests.Intake;

/// <summary>
/// A temporary layout: <c>root/</c> (the allowed root, with <c>image.png</c> and <c>sub/image.png</c>) next to
/// <c>outside/</c> (with <c>secret.png</c>, a valid image that must never be readable through the root).
/// </summary>
internal sealed class TempImageRoot : IDisposable
{
    public TempImageRoot()
    {
        Base = Directory.CreateTempSubdirectory("pg-intake-").FullName;
        Root = Directory.CreateDirectory(Path.Combine(Base, "root")).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(Base, "outside")).FullName;
        Directory.CreateDirectory(Path.Combine(Root, "sub"));
        File.WriteAllBytes(Path.Combine(Root, "image.png"), Png);
        File.WriteAllBytes(Path.Combine(Root, "sub", "image.png"), Png);
        File.WriteAllBytes(Path.Combine(Outside, "secret.png"), Png);
    }

    public static byte[] Png { get; } = TestImages.Png(3);

    public string Base { get; }

    public string Root { get; }

    public string Outside { get; }

    public ImageSourceOptions Sources()
    {
        var sources = new ImageSourceOptions { AllowFileImages = true };
        sources.AllowedFileRoots.Add(Root);
        return sources;
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
