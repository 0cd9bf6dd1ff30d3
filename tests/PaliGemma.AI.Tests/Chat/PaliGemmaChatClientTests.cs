using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>End-to-end behaviour of <see cref="PaliGemmaChatClient"/> on tiny PaliGemma 1 and 2 models.</summary>
[Collection(ChatModelCollection.Name)]
public sealed class PaliGemmaChatClientTests(ChatTestModels models)
{
    private static readonly byte[] Image = TestImages.Png(1);

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Response_text_and_usage_match_a_direct_greedy_run_of_the_model(string variant)
    {
        var model = models.Get(variant);
        using var client = new PaliGemmaChatClient(model);
        var reference = Reference(model, Image, "caption en", 12);

        var response = await client.GetResponseAsync(Ask("caption en", Image), new ChatOptions { MaxOutputTokens = 12 });

        Assert.Equal(ReferenceText(model, reference), response.Text);
        Assert.Equal(model.BuildPromptIds("caption en").Length, response.Usage!.InputTokenCount);
        Assert.Equal(model.NumImageTokens + 1 + model.Tokenize("caption en").Count + 1, response.Usage.InputTokenCount);
        Assert.Equal(reference.Count, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal(reference[^1].IsStop ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(model.ModelId, response.ModelId);
        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
    }

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Streaming_text_equals_the_non_streaming_text_and_updates_carry_ids(string variant)
    {
        using var client = new PaliGemmaChatClient(models.Get(variant));
        var options = new ChatOptions { MaxOutputTokens = 10 };

        var updates = await CollectAsync(client.GetStreamingResponseAsync(Ask("detect cat ; dog", Image), options));
        var response = await client.GetResponseAsync(Ask("detect cat ; dog", Image), options);

        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count >= 2);
        Assert.All(updates, u =>
        {
            Assert.Equal(ChatRole.Assistant, u.Role);
            Assert.Equal(updates[0].ResponseId, u.ResponseId);
            Assert.Equal(updates[0].MessageId, u.MessageId);
            Assert.Equal(updates[0].CreatedAt, u.CreatedAt);
            Assert.Equal(models.Get(variant).ModelId, u.ModelId);
        });
        Assert.False(string.IsNullOrEmpty(updates[0].ResponseId));
        Assert.NotEqual(updates[0].ResponseId, response.ResponseId);

        var last = updates[^1];
        var usage = Assert.IsType<UsageContent>(Assert.Single(last.Contents));
        Assert.Equal(10, usage.Details.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        Assert.All(updates.Take(updates.Count - 1), u => Assert.Null(u.FinishReason));
    }

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task MaxOutputTokens_ends_generation_with_finish_reason_length(string variant)
    {
        using var client = new PaliGemmaChatClient(models.Get(variant));
        var response = await client.GetResponseAsync(Ask("caption en", Image), new ChatOptions { MaxOutputTokens = 3 });

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
    }

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Stop_sequence_spanning_two_tokens_stops_generation_and_is_not_returned(string variant)
    {
        using var client = new PaliGemmaChatClient(models.Get(variant));
        var first = await CollectAsync(client.GetStreamingResponseAsync(Ask("caption en", Image), new ChatOptions { MaxOutputTokens = 16 }));
        var pieces = first.Select(u => u.Text).Where(t => t.Length > 0).ToList();
        var fullText = string.Concat(pieces);

        // The end of one streamed token plus the start of the next: a stop sequence no single token contains.
        var boundary = Enumerable.Range(1, pieces.Count - 1).First(i => pieces[i - 1].Trim().Length > 0 && pieces[i].Trim().Length > 0);
        var stop = pieces[boundary - 1][^1..] + pieces[boundary][..1];
        var expected = fullText[..fullText.IndexOf(stop, StringComparison.Ordinal)];

        var response = await client.GetResponseAsync(Ask("caption en", Image), new ChatOptions { MaxOutputTokens = 16, StopSequences = [stop] });

        Assert.Equal(expected, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(response.Usage!.OutputTokenCount < 16, $"generation went on after the stop sequence ({response.Usage.OutputTokenCount} tokens)");
    }

    [Fact]
    public async Task Typed_task_option_gives_the_same_answer_as_the_prompt_text()
    {
        using var client = new PaliGemmaChatClient(models.Pg2);
        // Typed detect tasks are constrained by default and raw prompts are not: compare like with like.
        var byText = await client.GetResponseAsync(Ask("detect cat ; dog", Image), new ChatOptions { MaxOutputTokens = 8 });
        var byTask = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new DataContent(Image, "image/png")])],
            new ChatOptions { MaxOutputTokens = 8 }.WithPaliGemmaTask(PaliGemmaTask.Detect("cat", "dog")).WithPaliGemmaConstrainedDecoding(false));
        var byTextConstrained = await client.GetResponseAsync(Ask("detect cat ; dog", Image), new ChatOptions { MaxOutputTokens = 8 }.WithPaliGemmaConstrainedDecoding());
        var byTaskConstrained = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new DataContent(Image, "image/png")])],
            new ChatOptions { MaxOutputTokens = 8 }.WithPaliGemmaTask(PaliGemmaTask.Detect("cat", "dog")));

        Assert.Equal(byText.Text, byTask.Text);
        Assert.Equal(byTextConstrained.Text, byTaskConstrained.Text);
    }

    [Fact]
    public async Task File_and_data_uri_images_give_the_same_answer_as_bytes()
    {
        var folder = Directory.CreateTempSubdirectory("pg-chat-").FullName;
        var path = Path.Combine(folder, "image.png");
        await File.WriteAllBytesAsync(path, Image);
        try
        {
            // Files are off by default: opt in, with the folder as the allowed root.
            using var client = new PaliGemmaChatClient(models.Pg1, new PaliGemmaChatClientOptions { AllowFileImages = true, AllowedImageRoots = { folder } });
            var options = new ChatOptions { MaxOutputTokens = 6 };
            var fromBytes = await client.GetResponseAsync(Ask("ocr", Image), options);
            var fromFile = await client.GetResponseAsync(Ask("ocr", new UriContent(new Uri(path), "image/png")), options);
            var fromDataUri = await client.GetResponseAsync(Ask("ocr", new UriContent(new Uri("data:image/png;base64," + Convert.ToBase64String(Image)), "image/png")), options);

            Assert.Equal(fromBytes.Text, fromFile.Text);
            Assert.Equal(fromBytes.Text, fromDataUri.Text);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Different_images_give_different_answers()
    {
        using var client = new PaliGemmaChatClient(models.Pg1);
        var options = new ChatOptions { MaxOutputTokens = 8 };
        var a = await client.GetResponseAsync(Ask("caption en", TestImages.Png(0)), options);
        var b = await client.GetResponseAsync(Ask("caption en", TestImages.Png(1)), options);
        Assert.NotEqual(a.Text, b.Text);
    }

    [Fact]
    public void GetService_returns_metadata_model_and_client_only_without_a_key()
    {
        var model = models.Pg2;
        using var client = new PaliGemmaChatClient(model);
        IChatClient chat = client;

        var metadata = chat.GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("paligemma", metadata.ProviderName);
        Assert.Equal(model.ModelId, metadata.DefaultModelId);
        Assert.Equal(new Uri(Path.GetFullPath(model.ModelPath)), metadata.ProviderUri);
        Assert.Same(model, chat.GetService<PaliGemmaModel>());
        Assert.Same(client, chat.GetService<PaliGemmaChatClient>());
        Assert.Same(client, chat.GetService<IChatClient>());
        Assert.Null(chat.GetService<PaliGemmaModel>("key"));
        Assert.Null(chat.GetService(typeof(string)));
        Assert.Throws<ArgumentNullException>(() => chat.GetService(null!));
    }

    [Fact]
    public async Task Client_works_inside_a_ChatClientBuilder_pipeline()
    {
        using var inner = new PaliGemmaChatClient(models.Pg2);
        using var pipeline = inner.AsBuilder().ConfigureOptions(o => o.MaxOutputTokens ??= 4).Build();

        var response = await pipeline.GetResponseAsync(Ask("caption en", Image));

        Assert.Equal(4, response.Usage!.OutputTokenCount);
        Assert.Same(inner, pipeline.GetService<PaliGemmaChatClient>());
    }

    [Fact]
    public async Task Disposed_client_refuses_requests_and_leaves_a_borrowed_model_usable()
    {
        var client = new PaliGemmaChatClient(models.Pg1);
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.GetStreamingResponseAsync(Ask("ocr", Image)));

        using var again = new PaliGemmaChatClient(models.Pg1);
        var response = await again.GetResponseAsync(Ask("ocr", Image), new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal(2, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Load_creates_a_client_that_owns_its_model()
    {
        var client = await PaliGemmaChatClient.LoadAsync(models.PathOf("pg2"));
        var response = await client.GetResponseAsync(Ask("ocr", Image), new ChatOptions { MaxOutputTokens = 2 });
        Assert.Equal(2, response.Usage!.OutputTokenCount);
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Model.EncodeImage(new float[3 * client.Model.ImageSize * client.Model.ImageSize]));
    }
}
