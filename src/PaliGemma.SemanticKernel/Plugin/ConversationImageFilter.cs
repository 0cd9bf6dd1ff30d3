using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using PaliGemma.AI;

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
        Func<DataContent?>? previous = ConversationImages.HostFinder;
        ChatHistory history = context.ChatHistory;
        ConversationImages.HostFinder = () => ChatHistoryImages.FindLatest(history);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            ConversationImages.HostFinder = previous;
        }
    }
}
