using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>Turns the <c>image</c> argument an LLM passed to a vision tool into image bytes.</summary>
public interface IImageReferenceResolver
{
    /// <summary>Resolves a reference.</summary>
    /// <param name="reference">
    /// The reference: a registered image id, a <c>data:</c> URI, a file path under the allowed roots, an allowed URL, or
    /// null/empty for the latest image attached to the conversation.
    /// </param>
    /// <param name="cancellationToken">Cancels the resolution.</param>
    /// <returns>The image.</returns>
    /// <exception cref="ImageReferenceException">The reference is not allowed, not found, malformed or too large.</exception>
    ValueTask<DataContent> ResolveAsync(string? reference, CancellationToken cancellationToken = default);
}
