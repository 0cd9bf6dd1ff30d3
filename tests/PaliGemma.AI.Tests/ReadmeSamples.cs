using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PaliGemma.AI.Tests.Chat;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests;

/// <summary>
/// The code of the README's "Usage" section, kept compiling and running here (against a tiny random-weight model, so
/// the printed text is noise). Keep the two in sync: the README shows the bodies of the sample methods.
/// </summary>
public sealed class ReadmeSamples
{
    internal static async Task ChatClientSample(string modelPath, string imagePath)
    {
        // One image plus the PaliGemma task prefix, in the last user message.
        using IChatClient client = PaliGemmaChatClient.Load(modelPath);
        DataContent image = await PaliGemmaImageContent.FromFileAsync(imagePath);
        ChatMessage[] request = [new ChatMessage(ChatRole.User, [new TextContent("caption en"), image])];

        ChatResponse response = await client.GetResponseAsync(request, new ChatOptions { MaxOutputTokens = 32 });
        Console.WriteLine($"{response.Text} ({response.Usage?.OutputTokenCount} tokens, {response.FinishReason})");

        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(request))
        {
            Console.Write(update.Text);
        }

        // A typed task instead of prompt text: labels are validated, so "cat ; <loc0001>" cannot change the task.
        ChatOptions detect = new ChatOptions { MaxOutputTokens = 64 }.WithPaliGemmaTask(PaliGemmaTask.Detect("cat", "dog"));
        ChatResponse boxes = await client.GetResponseAsync([new ChatMessage(ChatRole.User, [image])], detect);
        Console.WriteLine(boxes.Text); // "<loc0123><loc0045><loc0789><loc0567> cat ; ..."
    }

    internal static async Task DependencyInjectionSample(string modelPath, string imagePath)
    {
        var services = new ServiceCollection();
        services.AddLogging();                       // for UseLogging(); add a console or OpenTelemetry provider here
        services.AddPaliGemma(options =>
            {
                options.ModelPath = modelPath;       // or services.AddPaliGemma(configuration.GetSection("PaliGemma"))
                options.ExecutionProvider = "cpu";   // "cuda" with the CUDA package of ONNX Runtime GenAI
                options.MaxQueueLength = 64;         // requests that may wait for one of the MaxConcurrency slots
            })
            .UseLogging()                            // any Microsoft.Extensions.AI middleware
            .UseOpenTelemetry();

        await using ServiceProvider provider = services.BuildServiceProvider();

        // The chat pipeline: unkeyed (if no other IChatClient was registered first) and keyed "paligemma".
        IChatClient chat = provider.GetRequiredKeyedService<IChatClient>("paligemma");
        Console.WriteLine(chat.GetService<ChatClientMetadata>()?.DefaultModelId);

        // Typed results, boxes in pixels of the original image.
        IPaliGemmaVision vision = provider.GetRequiredService<IPaliGemmaVision>();
        DetectionResult found = await vision.DetectFileAsync(imagePath, ["car", "person"]);
        foreach (DetectedObject item in found.Objects)
        {
            Console.WriteLine($"{item.Label}: {item.Box.Left:0},{item.Box.Top:0} - {item.Box.Right:0},{item.Box.Bottom:0}");
        }

        TextResult caption = await vision.CaptionFileAsync(imagePath, "en");
        TextResult answer = await vision.AnswerFileAsync(imagePath, "how many people are there?");
        Console.WriteLine($"{caption.Text} / {answer.Text}");
    }

    [Fact]
    public async Task Samples_run_against_a_tiny_model()
    {
        var folder = TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224);
        var image = Path.Combine(Path.GetTempPath(), "pg-readme-" + Guid.NewGuid().ToString("N") + ".png");
        await File.WriteAllBytesAsync(image, TestImages.Png(5));
        var console = Console.Out;
        try
        {
            using var captured = new StringWriter();
            Console.SetOut(captured);
            await ChatClientSample(folder, image);
            await DependencyInjectionSample(folder, image);
            Assert.Contains("tiny-pg2-224", captured.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Console.SetOut(console);
            File.Delete(image);
        }
    }
}
