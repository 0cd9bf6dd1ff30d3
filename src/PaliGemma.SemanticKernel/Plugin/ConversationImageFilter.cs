using Microsoft.SemanticKernel;

namespace PaliGemma.SemanticKernel;

/// <summary>
/// A Semantic Kernel auto-function-invocation filter that makes the chat history visible to the PaliGemma tools, so
/// an omitted <c>image</c> argument means the latest image in the chat. Registered by
/// <c>IKernelBuilder.AddPaliGemma</c>; add it yourself (<c>kernel.AutoFunctionInvocationFilters.Add</c>) otherwise.
/// </summary>
public sealed class ConversationImageFilter : IAutoFunctionInvocationFilter
{
    /// <inheritdoc />
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var previous = ConversationImages.History;
        ConversationImages.History = context.ChatHistory;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            ConversationImages.History = previous;
        }
    }
}
