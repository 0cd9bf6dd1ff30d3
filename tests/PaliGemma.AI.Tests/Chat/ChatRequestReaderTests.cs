using Microsoft.Extensions.AI;
using PaliGemma.AI.Tests.Intake;

namespace PaliGemma.AI.Tests.Chat;

public sealed class ChatRequestReaderTests
{
    private static readonly byte[] Png = TestImages.Png();

    private static DataContent Image() => new(Png, "image/png");

    private static PaliGemmaChatRequest Read(ChatOptions? options, params AIContent[] contents) =>
        ChatRequestReader.Read([new ChatMessage(ChatRole.User, contents)], options);

    [Fact]
    public void Text_and_one_image_make_a_request_with_the_trimmed_prefix()
    {
        var request = Read(null, new TextContent("  detect cat ; dog "), Image());
        Assert.Equal("detect cat ; dog", request.Prefix);
        Assert.IsType<DataContent>(request.Image);
    }

    [Fact]
    public void Only_the_last_user_message_is_used()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, "You are helpful."),
            new(ChatRole.User, [new TextContent("ocr"), Image(), Image()]),
            new(ChatRole.Assistant, "old answer"),
            new(ChatRole.User, [new TextContent("caption en"), Image()]),
            new(ChatRole.Assistant, "trailing"),
        ];
        var request = ChatRequestReader.Read(messages, null);
        Assert.Equal("caption en", request.Prefix);
    }

    [Fact]
    public void No_user_message_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChatRequestReader.Read([new ChatMessage(ChatRole.System, "x")], null));
        Assert.Contains("no user message", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_image_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read(null, new TextContent("caption en")));
        Assert.Contains("holds no image", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_images_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read(null, new TextContent("caption en"), Image(), Image()));
        Assert.Contains("2 images", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_image_data_is_refused_naming_its_media_type()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read(null, new TextContent("caption en"), new DataContent("hello"u8.ToArray(), "text/plain")));
        Assert.Contains("'text/plain'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_uri_in_a_UriContent_is_accepted_and_decoded_by_the_intake()
    {
        var uri = "data:image/png;base64," + Convert.ToBase64String(Png);
        var request = Read(null, new TextContent("caption en"), new UriContent(new Uri(uri), "image/png"));
        var image = await new ImageIntake().ReadAsync(Assert.IsType<UriContent>(request.Image));
        Assert.Equal(Png, image.Bytes.ToArray());
        Assert.Equal("image/png", image.MediaType);
    }

    [Fact]
    public void File_uri_image_is_accepted()
    {
        var request = Read(null, new TextContent("caption en"), new UriContent(new Uri("file:///tmp/cat.png"), "image/png"));
        Assert.IsType<UriContent>(request.Image);
    }

    [Fact]
    public async Task File_uri_on_another_host_is_refused_by_the_intake()
    {
        using var root = new TempImageRoot();
        var intake = new ImageIntake(root.Sources());
        var image = Read(null, new TextContent("caption en"), new UriContent(new Uri("file://fileserver/share/cat.png"), "image/png")).Image;
        var ex = await Assert.ThrowsAsync<NotSupportedException>(async () => await intake.ReadAsync(image));
        Assert.Contains("fileserver", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_uri_is_refused_by_the_intake_when_file_images_are_disabled()
    {
        var image = Read(null, new TextContent("ocr"), new UriContent(new Uri("file:///tmp/cat.png"), "image/png")).Image;
        var ex = await Assert.ThrowsAsync<NotSupportedException>(async () => await new ImageIntake().ReadAsync(image));
        Assert.Contains("AllowFileImages", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_uri_passes_the_reader_and_is_refused_by_the_intake_unless_remote_images_are_allowed()
    {
        var image = new UriContent(new Uri("https://example.com/cat.png"), "image/png");
        var request = Read(null, new TextContent("caption en"), image);
        Assert.Same(image, request.Image);

        var ex = await Assert.ThrowsAsync<NotSupportedException>(async () => await new ImageIntake().ReadAsync(request.Image));
        Assert.Contains("AllowRemoteImages", ex.Message, StringComparison.Ordinal);
        Assert.Contains("https://example.com/cat.png", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_uri_schemes_are_refused()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Read(null, new TextContent("caption en"), new UriContent(new Uri("ftp://host/cat.png"), "image/png")));
        Assert.Contains("'ftp'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tools_are_refused_naming_them()
    {
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "get_weather")] };
        var ex = Assert.Throws<NotSupportedException>(() => Read(options, new TextContent("caption en"), Image()));
        Assert.Contains("'get_weather'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_response_format_is_refused()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Read(new ChatOptions { ResponseFormat = ChatResponseFormat.Json }, new TextContent("caption en"), Image()));
        Assert.Contains("JSON", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("caption en\ndetect cat", "line break")]
    [InlineData("caption\ren", "line break")]
    [InlineData("detect <loc0001>", "'<'")]
    [InlineData("detect cat>", "'>'")]
    public void Prefix_with_line_breaks_or_tags_is_refused(string text, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Read(null, new TextContent(text), Image()));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_text_without_a_task_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Read(null, new TextContent("  "), Image()));
        Assert.Contains("WithPaliGemmaTask", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_task_supplies_the_prefix_when_the_text_is_empty_or_equal()
    {
        var options = new ChatOptions().WithPaliGemmaTask(PaliGemmaTask.Detect("cat", "dog"));
        Assert.Equal("detect cat ; dog", Read(options, Image()).Prefix);
        Assert.Equal("detect cat ; dog", Read(options, new TextContent("detect cat ; dog"), Image()).Prefix);

        var ex = Assert.Throws<ArgumentException>(() => Read(options, new TextContent("caption en"), Image()));
        Assert.Contains("differs from the task", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_value_under_the_task_key_is_refused()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [PaliGemmaChatOptionsExtensions.TaskPropertyName] = "caption en" } };
        var ex = Assert.Throws<ArgumentException>(() => Read(options, Image()));
        Assert.Contains(nameof(PaliGemmaTask), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_positive_MaxOutputTokens_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Read(new ChatOptions { MaxOutputTokens = 0 }, new TextContent("ocr"), Image()));
    }

    [Fact]
    public void Unsupported_content_is_refused_naming_its_type()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Read(null, new TextContent("ocr"), Image(), new FunctionResultContent("c1", 1)));
        Assert.Contains(nameof(FunctionResultContent), ex.Message, StringComparison.Ordinal);
    }
}
