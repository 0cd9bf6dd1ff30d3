using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI.Tests.Chat;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Intake;

/// <summary>
/// File images through the intake stage: off by default (chat client and DI), and when on, only regular files under
/// the allowed roots, with one error for "not allowed or not found".
/// </summary>
[Collection(ChatModelCollection.Name)]
public sealed class FileImageSourceTests(ChatTestModels models) : IDisposable
{
    /// <summary>How long a refusal may take; a blocking open of a FIFO would never return.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private readonly TempImageRoot _dirs = new();

    [Fact]
    public async Task Default_chat_client_options_refuse_file_images()
    {
        Assert.False(new PaliGemmaChatClientOptions().AllowFileImages);
        using var client = new PaliGemmaChatClient(models.Pg1);
        var file = new UriContent(new Uri(Path.Combine(_dirs.Root, "image.png")), "image/png");

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Ask("ocr", file), new ChatOptions { MaxOutputTokens = 2 }));
        Assert.Contains("AllowFileImages", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Statistics.VisionEncoderRuns);
        Assert.Equal(0, client.Statistics.OutputTokens);
    }

    [Fact]
    public async Task Default_DI_options_refuse_file_images()
    {
        Assert.False(new PaliGemmaOptions().AllowFileImages);
        var services = new ServiceCollection();
        services.AddPaliGemma(o => o.ModelPath = models.PathOf("pg1"));
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        var file = new UriContent(new Uri(Path.Combine(_dirs.Root, "image.png")), "image/png");

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => chat.GetResponseAsync(Ask("ocr", file), new ChatOptions { MaxOutputTokens = 2 }));
        Assert.Contains("AllowFileImages", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, chat.GetService<PaliGemmaChatClient>()!.Statistics.VisionEncoderRuns);
    }

    [Fact]
    public async Task DI_options_that_allow_files_read_files_under_the_roots_only()
    {
        var services = new ServiceCollection();
        services.AddPaliGemma(o =>
        {
            o.ModelPath = models.PathOf("pg1");
            o.AllowFileImages = true;
            o.AllowedImageRoots.Add(_dirs.Root);
        });
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { MaxOutputTokens = 3 };

        var fromFile = await chat.GetResponseAsync(Ask("ocr", new UriContent(new Uri(Path.Combine(_dirs.Root, "image.png")), "image/png")), options);
        var fromBytes = await chat.GetResponseAsync(Ask("ocr", TempImageRoot.Png), options);
        Assert.Equal(fromBytes.Text, fromFile.Text);

        var outside = new UriContent(new Uri(Path.Combine(_dirs.Outside, "secret.png")), "image/png");
        var ex = await Assert.ThrowsAsync<PaliGemmaImageException>(() => chat.GetResponseAsync(Ask("ocr", outside), options));
        Assert.Equal(ImageErrorReason.FileNotAllowedOrNotFound, ex.Reason);
    }

    [Fact]
    public void Allowing_files_without_a_root_is_a_configuration_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { AllowFileImages = true }));
        Assert.Contains("AllowedFileRoots", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image.png")]
    [InlineData("sub/image.png")]
    [InlineData("./sub/image.png")]
    public async Task Regular_files_under_the_root_are_read(string path)
    {
        var image = await Intake().ReadFileAsync(path);
        Assert.Equal(TempImageRoot.Png, image.Bytes.ToArray());
        Assert.Equal("image.png", image.Name);
    }

    [Theory]
    [InlineData("../outside/secret.png")]
    [InlineData("sub/../../outside/secret.png")]
    [InlineData("sub/../image.png")]
    public async Task Dot_dot_is_refused_even_when_it_stays_inside(string path) => await AssertRefusedAsync(path);

    [Fact]
    public async Task Absolute_paths_outside_the_root_are_refused()
    {
        await AssertRefusedAsync(Path.Combine(_dirs.Outside, "secret.png"));
        await AssertRefusedAsync(_dirs.Root + "-sibling/image.png");
    }

    [Fact]
    public async Task Symlinks_leading_outside_are_refused_and_links_inside_are_followed()
    {
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "link.png"), Path.Combine(_dirs.Outside, "secret.png"));
        Directory.CreateSymbolicLink(Path.Combine(_dirs.Root, "escape"), _dirs.Outside);
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "inner.png"), Path.Combine(_dirs.Root, "sub", "image.png"));

        await AssertRefusedAsync("link.png");
        await AssertRefusedAsync("escape/secret.png");
        Assert.Equal(TempImageRoot.Png, (await Intake().ReadFileAsync("inner.png")).Bytes.ToArray());
    }

    [Fact]
    public async Task A_hard_link_to_a_file_outside_is_refused()
    {
        Assert.True(OperatingSystem.IsLinux(), "Hard links are made with ln(1) on Linux (CI).");
        string link = Path.Combine(_dirs.Root, "hard.png");
        await RunAsync("ln", Path.Combine(_dirs.Outside, "secret.png"), link);
        Assert.True(File.Exists(link));
        Assert.Equal(TempImageRoot.Png, await File.ReadAllBytesAsync(link)); // the link works: only the intake refuses it

        await AssertRefusedAsync("hard.png");
    }

    [Fact]
    public async Task A_fifo_is_refused_without_blocking()
    {
        Assert.True(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo(1) on Linux (CI).");
        string fifo = Path.Combine(_dirs.Root, "pipe.png");
        await RunAsync("mkfifo", fifo);

        // No writer ever opens the FIFO: a blocking open would hang; the intake must answer at once.
        var read = Intake().ReadFileAsync("pipe.png").AsTask();
        var finished = await Task.WhenAny(read, Task.Delay(Bound));
        Assert.Same(read, finished);
        var ex = await Assert.ThrowsAsync<PaliGemmaImageException>(() => read);
        Assert.Equal(ImageErrorReason.FileNotAllowedOrNotFound, ex.Reason);
    }

    [Fact]
    public async Task Application_file_helpers_refuse_a_fifo_without_blocking()
    {
        Assert.True(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo(1) on Linux (CI).");
        string fifo = Path.Combine(_dirs.Root, "app-pipe.png");
        await RunAsync("mkfifo", fifo);

        var preprocess = Task.Run(() => PaliGemmaImageProcessor.PreprocessFile(fifo, 32));
        Assert.Same(preprocess, await Task.WhenAny(preprocess, Task.Delay(Bound)));
        Assert.Equal(ImageErrorReason.InvalidSource, (await Assert.ThrowsAsync<PaliGemmaImageException>(() => preprocess)).Reason);

        var content = PaliGemmaImageContent.FromFileAsync(fifo);
        Assert.Same(content, await Task.WhenAny(content, Task.Delay(Bound)));
        Assert.Equal(ImageErrorReason.InvalidSource, (await Assert.ThrowsAsync<PaliGemmaImageException>(() => content)).Reason);

        var image = await PaliGemmaImageContent.FromFileAsync(Path.Combine(_dirs.Outside, "secret.png"));
        Assert.Equal("image/png", image.MediaType); // the application's own paths are not limited to request roots
    }

    [Fact]
    public async Task Devices_folders_and_empty_files_are_refused()
    {
        File.WriteAllBytes(Path.Combine(_dirs.Root, "empty.png"), []);
        await AssertRefusedAsync("sub");
        await AssertRefusedAsync("empty.png");

        var devices = new ImageSourceOptions { AllowFileImages = true };
        devices.AllowedFileRoots.Add("/dev");
        foreach (string device in new[] { "/dev/zero", "/dev/null", "urandom" })
        {
            var read = new ImageIntake(devices).ReadFileAsync(device).AsTask();
            Assert.Same(read, await Task.WhenAny(read, Task.Delay(Bound)));
            Assert.Equal(ImageErrorReason.FileNotAllowedOrNotFound, (await Assert.ThrowsAsync<PaliGemmaImageException>(() => read)).Reason);
        }
    }

    [Fact]
    public async Task Missing_and_disallowed_paths_get_the_identical_error()
    {
        File.CreateSymbolicLink(Path.Combine(_dirs.Root, "link.png"), Path.Combine(_dirs.Outside, "secret.png"));
        var missing = await RefusedAsync("nope.png");
        var missingAbsolute = await RefusedAsync(Path.Combine(_dirs.Root, "nope.png"));
        var outside = await RefusedAsync(Path.Combine(_dirs.Outside, "secret.png"));
        var linked = await RefusedAsync("link.png");
        var dotDot = await RefusedAsync("../outside/secret.png");

        foreach (var ex in new[] { missingAbsolute, outside, linked, dotDot })
        {
            Assert.Equal(missing.Reason, ex.Reason);
            Assert.Equal(missing.Message, ex.Message);
            Assert.Equal(missing.GetType(), ex.GetType());
        }

        Assert.Equal(ImageErrorReason.FileNotAllowedOrNotFound, missing.Reason);
        Assert.DoesNotContain(_dirs.Base, missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_over_the_byte_limit_is_refused_before_it_is_buffered()
    {
        var intake = new ImageIntake(_dirs.Sources(), new ImageLoadOptions { MaxEncodedBytes = TempImageRoot.Png.Length - 1 });
        var ex = await Assert.ThrowsAsync<PaliGemmaImageException>(async () => await intake.ReadFileAsync("image.png"));
        Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
    }

    public void Dispose() => _dirs.Dispose();

    private ImageIntake Intake() => new(_dirs.Sources());

    private async Task<PaliGemmaImageException> RefusedAsync(string path)
    {
        var read = Intake().ReadFileAsync(path).AsTask();
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(Bound)));
        return await Assert.ThrowsAsync<PaliGemmaImageException>(() => read);
    }

    private async Task AssertRefusedAsync(string path) =>
        Assert.Equal(ImageErrorReason.FileNotAllowedOrNotFound, (await RefusedAsync(path)).Reason);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        using var timeout = new CancellationTokenSource(Bound);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }
}
