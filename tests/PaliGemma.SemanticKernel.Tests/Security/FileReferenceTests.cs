using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace PaliGemma.SemanticKernel.Tests.Security;

/// <summary>
/// File paths: only regular files inside the allowed roots, with no way out through '..', symbolic or hard links;
/// every refusal is the same error as a missing file (no existence oracle). The rules live in the library's intake stage.
/// </summary>
public sealed class FileReferenceTests : IDisposable
{
    private readonly TempRoot _dirs = new();

    [Theory]
    [InlineData("scene.png")]
    [InlineData("sub/scene.png")]
    [InlineData("./sub/scene.png")]
    public async Task Relative_paths_inside_the_root_resolve(string path)
    {
        DataContent image = await Resolver().ResolveAsync(path);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal(TestModels.AgentModelFixture.SceneBytes, image.Data.ToArray());
    }

    [Fact]
    public async Task An_absolute_path_inside_the_root_resolves()
    {
        DataContent image = await Resolver().ResolveAsync(Path.Combine(_dirs.Root, "sub", "scene.png"));
        Assert.Equal(TestModels.AgentModelFixture.SceneBytes.Length, image.Data.Length);
    }

    [Theory]
    [InlineData("../outside/secret.png")]
    [InlineData("sub/../../outside/secret.png")]
    [InlineData("sub/../scene.png")]
    [InlineData("..\\outside\\secret.png")]
    [InlineData("..")]
    public async Task Dot_dot_segments_are_refused_even_when_they_would_stay_inside(string path) =>
        await AssertRefused(path, PaliGemmaToolErrorCodes.ImageNotFound);

    [Fact]
    public async Task Absolute_paths_outside_the_roots_are_refused()
    {
        await AssertRefused(Path.Combine(_dirs.Outside, "secret.png"), PaliGemmaToolErrorCodes.ImageNotFound);
        await AssertRefused("/etc/passwd", PaliGemmaToolErrorCodes.ImageNotFound);
        await AssertRefused(_dirs.Root + "-sibling/scene.png", PaliGemmaToolErrorCodes.ImageNotFound);
    }

    [Fact]
    public async Task A_file_link_out_of_the_root_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "link.png"), Path.Combine(_dirs.Outside, "secret.png"));
        await AssertRefused("link.png", PaliGemmaToolErrorCodes.ImageNotFound);
    }

    [Fact]
    public async Task A_relative_file_link_out_of_the_root_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "rel.png"), "../outside/secret.png");
        await AssertRefused("rel.png", PaliGemmaToolErrorCodes.ImageNotFound);
    }

    [Fact]
    public async Task A_folder_link_out_of_the_root_is_refused_for_files_below_it()
    {
        Directory.CreateSymbolicLink(Path.Combine(_dirs.Root, "escape"), _dirs.Outside);
        await AssertRefused("escape/secret.png", PaliGemmaToolErrorCodes.ImageNotFound);
        await AssertRefused(Path.Combine(_dirs.Root, "escape", "secret.png"), PaliGemmaToolErrorCodes.ImageNotFound);
    }

    [Fact]
    public async Task A_chain_of_links_that_ends_outside_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "hop2.png"), Path.Combine(_dirs.Outside, "secret.png"));
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "hop1.png"), Path.Combine(_dirs.Root, "hop2.png"));
        await AssertRefused("hop1.png", PaliGemmaToolErrorCodes.ImageNotFound);
    }

    [Fact]
    public async Task A_link_that_stays_inside_the_root_resolves()
    {
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "inner.png"), Path.Combine(_dirs.Root, "sub", "scene.png"));
        DataContent image = await Resolver().ResolveAsync("inner.png");
        Assert.Equal(TestModels.AgentModelFixture.SceneBytes.Length, image.Data.Length);
    }

    [Fact]
    public async Task Folders_empty_files_fifos_and_devices_are_refused()
    {
        File.WriteAllBytes(Path.Combine(_dirs.Root, "empty.png"), []);
        await AssertRefused("sub", PaliGemmaToolErrorCodes.ImageNotFound);
        await AssertRefused("empty.png", PaliGemmaToolErrorCodes.ImageNotFound);

        Assert.True(OperatingSystem.IsLinux(), "The FIFO and device checks run on Linux (CI).");
        string fifo = Path.Combine(_dirs.Root, "pipe.png");
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        await AssertRefused("pipe.png", PaliGemmaToolErrorCodes.ImageNotFound);

        // A root that is itself a device folder: /dev/zero and /dev/null are not regular files.
        var devices = new PaliGemmaToolOptions();
        devices.AllowedRoots.Add("/dev");
        foreach (string device in new[] { "/dev/zero", "/dev/null", "zero", "urandom" })
        {
            var ex = await Assert.ThrowsAsync<ImageReferenceException>(async () => await new ImageReferenceResolver(null, devices).ResolveAsync(device));
            Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, ex.Code);
            Assert.Equal(ImageReferenceResolver.FileNotFoundMessage, ex.Message);
        }
    }

    [Fact]
    public async Task A_hard_link_to_a_file_outside_is_refused_like_a_missing_file()
    {
        Assert.True(OperatingSystem.IsLinux(), "Hard links are made with ln(1) on Linux (CI).");
        string link = Path.Combine(_dirs.Root, "hard.png");
        using (Process ln = Process.Start("ln", [Path.Combine(_dirs.Outside, "secret.png"), link]))
        {
            await ln.WaitForExitAsync();
            Assert.Equal(0, ln.ExitCode);
        }

        Assert.Equal(TestModels.AgentModelFixture.SceneBytes, await File.ReadAllBytesAsync(link));
        await AssertRefused("hard.png", PaliGemmaToolErrorCodes.ImageNotFound);
    }

    [Fact]
    public async Task A_root_reached_through_a_linked_folder_accepts_paths_in_either_spelling()
    {
        string alias = Path.Combine(_dirs.Base, "alias");
        Directory.CreateSymbolicLink(alias, _dirs.Root);
        var options = new PaliGemmaToolOptions();
        options.AllowedRoots.Add(alias);
        var resolver = new ImageReferenceResolver(null, options);

        Assert.Equal(TestModels.AgentModelFixture.SceneBytes.Length, (await resolver.ResolveAsync(Path.Combine(alias, "scene.png"))).Data.Length);
        Assert.Equal(TestModels.AgentModelFixture.SceneBytes.Length, (await resolver.ResolveAsync(Path.Combine(_dirs.Root, "sub", "scene.png"))).Data.Length);
        Assert.Equal(TestModels.AgentModelFixture.SceneBytes.Length, (await resolver.ResolveAsync("sub/scene.png")).Data.Length);
        var ex = await Assert.ThrowsAsync<ImageReferenceException>(async () => await resolver.ResolveAsync(Path.Combine(alias, "..", "outside", "secret.png")));
        Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, ex.Code);
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_is_refused()
    {
        File.WriteAllText(Path.Combine(_dirs.Root, "notes.png"), "not an image at all");
        await AssertRefused("notes.png", PaliGemmaToolErrorCodes.InvalidImage);
    }

    [Fact]
    public async Task Without_roots_paths_are_never_touched()
    {
        var ex = await Assert.ThrowsAsync<ImageReferenceException>(async () => await new ImageReferenceResolver().ResolveAsync(Path.Combine(_dirs.Root, "scene.png")));
        Assert.Equal(PaliGemmaToolErrorCodes.ImageNotFound, ex.Code);
    }

    [Fact]
    public async Task A_missing_file_inside_the_root_is_not_found() =>
        await AssertRefused("nope.png", PaliGemmaToolErrorCodes.ImageNotFound);

    public void Dispose() => _dirs.Dispose();

    private ImageReferenceResolver Resolver() => new(null, _dirs.Options());

    private async Task AssertRefused(string reference, string code)
    {
        var ex = await Assert.ThrowsAsync<ImageReferenceException>(async () => await Resolver().ResolveAsync(reference));
        Assert.Equal(code, ex.Code);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        if (code == PaliGemmaToolErrorCodes.ImageNotFound)
        {
            // Refused and missing files read the same: the answer does not tell whether the path exists.
            var missing = await Assert.ThrowsAsync<ImageReferenceException>(async () => await Resolver().ResolveAsync("does-not-exist.png"));
            Assert.Equal(missing.Code, ex.Code);
            Assert.Equal(missing.Message, ex.Message);
        }
    }
}
