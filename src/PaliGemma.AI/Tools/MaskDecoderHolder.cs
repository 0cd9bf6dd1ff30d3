using System.Collections.Concurrent;

namespace PaliGemma.AI;

/// <summary>Loads each mask decoder file once per process (the sessions are thread-safe and live for the process).</summary>
internal static class MaskDecoderHolder
{
    private static readonly ConcurrentDictionary<string, Lazy<MaskDecoder>> Decoders = new(StringComparer.Ordinal);

    public static MaskDecoder Get(string path) =>
        Decoders.GetOrAdd(Path.GetFullPath(path), p => new Lazy<MaskDecoder>(() => MaskDecoder.Load(p))).Value;
}
