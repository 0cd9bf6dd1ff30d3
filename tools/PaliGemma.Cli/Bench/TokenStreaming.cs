using PaliGemma.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.Cli.Bench;

/// <summary>Whether a generated id sequence streams through the chat client one text update per token.</summary>
internal static class TokenStreaming
{
    /// <summary>
    /// Returns true when every id in <paramref name="ids"/> yields text from the streaming detokenizer as soon as it is
    /// appended. The chat client is timed on streamed text, so only then are its time to first token and decode rate
    /// per-token figures comparable with the loops'; a byte id waiting for the rest of its character, or an id with no
    /// text, merges into a later update.
    /// </summary>
    public static bool EveryTokenStreams(PaliGemmaModel model, IEnumerable<int> ids)
    {
        using PaliGemmaTextDecoder decoder = model.CreateTextDecoder();
        return ids.All(id => decoder.Append(id).Length > 0);
    }
}
