using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using PaliGemma.SemanticKernel.Tests.TestModels;
using TextContent = Microsoft.Extensions.AI.TextContent;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>Which image an omitted <c>image</c> argument means.</summary>
public class ConversationImageTests
{
    private static readonly byte[] Scene = AgentModelFixture.SceneBytes;

    [Fact]
    public void The_latest_image_wins_and_other_data_is_ignored()
    {
        var first = new DataContent(Scene, "image/png");
        var second = new DataContent(Scene.AsSpan(0, 100).ToArray(), "image/jpeg");
        ChatMessage[] messages =
        [
            new(ChatRole.User, [new TextContent("one"), first]),
            new(ChatRole.User, [second, new DataContent(new byte[] { 1, 2 }, "application/pdf")]),
            new(ChatRole.Assistant, "ok"),
        ];

        Assert.Same(second, ConversationImages.FindLatest(messages));
        Assert.Null(ConversationImages.FindLatest([new ChatMessage(ChatRole.User, "no image")]));
    }

    [Fact]
    public async Task The_kernel_filter_exposes_the_chat_history_image_while_the_function_runs()
    {
        var history = new ChatHistory();
        history.AddUserMessage([new Microsoft.SemanticKernel.TextContent("look"), new ImageContent(Scene, "image/png")]);
        var kernel = new Kernel();
        KernelFunction function = KernelFunctionFactory.CreateFromMethod(() => "x", "Probe");
        var context = new AutoFunctionInvocationContext(kernel, function, new FunctionResult(function), history, new ChatMessageContent());
        DataContent? seen = null;

        Assert.Null(ConversationImages.FindLatest());
        await new ConversationImageFilter().OnAutoFunctionInvocationAsync(context, _ =>
        {
            seen = ConversationImages.FindLatest();
            return Task.CompletedTask;
        });

        Assert.NotNull(seen);
        Assert.Equal("image/png", seen.MediaType);
        Assert.Equal(Scene, seen.Data.ToArray());
        Assert.Null(ConversationImages.FindLatest());
    }

    [Fact]
    public async Task The_conversation_image_can_be_turned_off()
    {
        var options = new PaliGemmaToolOptions { UseConversationImage = false };
        var history = new ChatHistory();
        history.AddUserMessage([new ImageContent(Scene, "image/png")]);
        var kernel = new Kernel();
        KernelFunction function = KernelFunctionFactory.CreateFromMethod(() => "x", "Probe");
        var context = new AutoFunctionInvocationContext(kernel, function, new FunctionResult(function), history, new ChatMessageContent());
        ImageReferenceException? error = null;

        await new ConversationImageFilter().OnAutoFunctionInvocationAsync(context, async _ =>
            error = await Assert.ThrowsAsync<ImageReferenceException>(async () => await new ImageReferenceResolver(null, options).ResolveAsync(null)));

        Assert.Equal(PaliGemmaToolErrorCodes.ImageMissing, error!.Code);
    }
}
