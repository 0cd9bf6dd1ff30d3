using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// Images the host registered for the tools, addressed by ids the host hands to the LLM. Ids must be unguessable:
/// an LLM (or text it read) can only reach images whose id it was told.
/// </summary>
public interface IImageStore
{
    /// <summary>Registers an image and returns its new id.</summary>
    /// <param name="image">The image (<c>image/*</c> media type).</param>
    /// <returns>The id to give the LLM.</returns>
    string Add(DataContent image);

    /// <summary>Looks an image up by id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="image">The image when found.</param>
    /// <returns>Whether the id is registered.</returns>
    bool TryGet(string id, [NotNullWhen(true)] out DataContent? image);

    /// <summary>Removes an image.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Whether it was registered.</returns>
    bool Remove(string id);
}
