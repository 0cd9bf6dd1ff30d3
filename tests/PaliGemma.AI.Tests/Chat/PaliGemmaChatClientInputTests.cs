using Microsoft.Extensions.AI;
using PaliGemma.AI.Tests.Imaging;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>Bad input through the real client: each case fails with a specific exception and message, and nothing runs.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class PaliGemmaChatClientInputTests(ChatTestModels models)
{
    private static readonly byte[] Image = TestImages.Png();

    private async Task<TException> FailsAsync<TException>(IEnumerable<ChatMessage> messages, ChatOptions? options = null, PaliGemmaChatClientOptions? clientOptions = null)
        where TException : Exception
    {
        using var client = new PaliGemmaChatClient(models.Pg1, clientOptions);
        var ex = await Assert.ThrowsAsync<TException>(() => client.GetResponseAsync(messages, options));
        Assert.Equal(0, client.Statistics.OutputTokens);
        return ex;
    }

    [Fact]
    public async Task No_image() =>
        Assert.Contains("holds no image", (await FailsAsync<ArgumentException>([new ChatMessage(ChatRole.User, "caption en")])).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Two_images() =>
        Assert.Contains("2 images", (await FailsAsync<ArgumentException>(Ask("caption en", new DataContent(Image, "image/png"), new DataContent(Image, "image/png")))).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Text_plain_data_as_image() =>
        Assert.Contains("'text/plain'", (await FailsAsync<ArgumentException>(Ask("caption en", new DataContent("a cat"u8.ToArray(), "text/plain")))).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Http_uri() =>
        Assert.Contains("AllowRemoteImages", (await FailsAsync<NotSupportedException>(Ask("caption en", new UriContent(new Uri("http://169.254.169.254/latest"), "image/png")))).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Tools_set() =>
        Assert.Contains("tools", (await FailsAsync<NotSupportedException>(Ask("caption en", Image), new ChatOptions { Tools = [AIFunctionFactory.Create(() => "x", "lookup")] })).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Multi_line_prefix() =>
        Assert.Contains("line break", (await FailsAsync<ArgumentException>(Ask("caption en\nsegment cat", Image))).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Decompression_bomb_fails_with_the_image_exception()
    {
        var ex = await FailsAsync<PaliGemmaImageException>(Ask("caption en", new DataContent(ImagingFixtures.PngHeaderOnly(20_000, 20_000), "image/png")));
        Assert.Equal(ImageErrorReason.TooManyPixels, ex.Reason);
    }

    [Fact]
    public async Task Garbage_bytes_labelled_as_an_image_fail_with_the_image_exception()
    {
        var ex = await FailsAsync<PaliGemmaImageException>(Ask("caption en", new DataContent("definitely not a png"u8.ToArray(), "image/png")));
        Assert.Contains(ex.Reason, new[] { ImageErrorReason.UnknownFormat, ImageErrorReason.Truncated, ImageErrorReason.Corrupt });
    }

    [Fact]
    public async Task Image_larger_than_the_byte_limit_is_refused_before_decoding()
    {
        var ex = await FailsAsync<PaliGemmaImageException>(Ask("caption en", Image), clientOptions: new PaliGemmaChatClientOptions { ImageLoadOptions = new ImageLoadOptions { MaxEncodedBytes = 100 } });
        Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
        Assert.Contains("MaxEncodedBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_file_is_not_read()
    {
        var folder = Directory.CreateTempSubdirectory("pg-big-").FullName;
        var path = Path.Combine(folder, "big.png");
        await File.WriteAllBytesAsync(path, new byte[4096]);
        try
        {
            var ex = await FailsAsync<PaliGemmaImageException>(
                Ask("caption en", new UriContent(new Uri(path), "image/png")),
                clientOptions: new PaliGemmaChatClientOptions { AllowFileImages = true, AllowedImageRoots = { folder }, ImageLoadOptions = new ImageLoadOptions { MaxEncodedBytes = 1000 } });
            Assert.Equal(ImageErrorReason.EncodedTooLarge, ex.Reason);
            Assert.Contains("4,096", ex.Message, StringComparison.Ordinal); // refused on the file's size, before reading it
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Missing_file_is_not_allowed_or_not_found_without_naming_the_path()
    {
        var folder = Directory.CreateTempSubdirectory("pg-missing-").FullName;
        try
        {
            var ex = await FailsAsync<PaliGemmaImageException>(
                Ask("caption en", new UriContent(new Uri(Path.Combine(folder, "nope.png")), "image/png")),
                clientOptions: new PaliGemmaChatClientOptions { AllowFileImages = true, AllowedImageRoots = { folder } });
            Assert.Equal(ImageErrorReason.FileNotAllowedOrNotFound, ex.Reason);
            Assert.DoesNotContain("nope.png", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Runtime_argument_errors_surface_from_the_stream_unwrapped()
    {
        var ex = await FailsAsync<ArgumentException>(Ask("caption en", Image), new ChatOptions { Temperature = 1f, TopK = 100_000_000 });
        Assert.Contains("TopK", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_label_cannot_build_a_task() =>
        Assert.Contains("<loc0001>", Assert.Throws<ArgumentException>(() => PaliGemmaTask.Detect("cat", "<loc0001>")).Message, StringComparison.Ordinal);
}
