using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.Cli.Commands;
using PaliGemma.SemanticKernel.Tests.TestModels;
using SkiaSharp;

namespace PaliGemma.SemanticKernel.Tests.Demo;

/// <summary><c>paligemma run --annotate</c> on the tiny model folder (which has a mask decoder).</summary>
public sealed class RunAnnotateTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("pg-annotate-").FullName;

    [Theory]
    [InlineData("segment car", "mask(s)")]
    [InlineData("detect car ; road", "box(es)")]
    [InlineData("caption en", "unannotated")]
    public void Writes_a_png_of_the_input_images_size(string prompt, string note)
    {
        string image = Path.Combine(_work, "scene.png");
        File.WriteAllBytes(image, AgentModelFixture.SceneBytes);
        string output = Path.Combine(_work, "annotated.png");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int rc = RunCommand.Execute(
            new RunCommand.RunRequest(AgentModelFixture.Folder, image, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = 24 }, "cpu", output),
            stdout,
            stderr,
            CancellationToken.None);

        Assert.True(rc == 0, stderr.ToString());
        Assert.Contains(note, stderr.ToString(), StringComparison.Ordinal);
        byte[] png = File.ReadAllBytes(output);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.Equal(320, bitmap.Width);
        Assert.Equal(240, bitmap.Height);
    }

    [Fact]
    public void An_unwritable_annotate_path_is_a_clear_error()
    {
        string image = Path.Combine(_work, "scene.png");
        File.WriteAllBytes(image, AgentModelFixture.SceneBytes);
        var stderr = new StringWriter();

        int rc = RunCommand.Execute(
            new RunCommand.RunRequest(AgentModelFixture.Folder, image, "detect car", new PaliGemmaGenerationSettings { MaxNewTokens = 4 }, "cpu", Path.Combine(_work, "missing-dir", "out.png")),
            new StringWriter(),
            stderr,
            CancellationToken.None);

        Assert.Equal(1, rc);
        Assert.Contains("missing-dir", stderr.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
