using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>What a chat request asks PaliGemma to do: one prefix and one image.</summary>
/// <param name="Prefix">The PaliGemma prefix text ("caption en", "detect cat ; dog", …).</param>
/// <param name="Image">The image content: an image <see cref="DataContent"/> or a <c>file:</c>/<c>http(s):</c> <see cref="UriContent"/>.</param>
internal sealed record PaliGemmaChatRequest(string Prefix, AIContent Image);
