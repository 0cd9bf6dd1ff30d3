using System.Text.Json;

namespace PaliGemma.AI.Runtime.Detokenization;

/// <summary>
/// Reads the <c>decoder</c> object of a Hugging Face <c>tokenizer.json</c> into <see cref="DecodeStep"/>s. Only the
/// steps SentencePiece-style BPE tokenizers such as Gemma's use are supported: <c>Sequence</c>, <c>Replace</c> with a
/// string pattern, <c>ByteFallback</c>, <c>Fuse</c> and <c>Strip</c>. Anything else is reported as unsupported so
/// the caller can fall back to ONNX Runtime GenAI's decoder.
/// </summary>
internal static class DecoderChainReader
{
    /// <summary>Reads the chain.</summary>
    /// <param name="decoder">The <c>decoder</c> value.</param>
    /// <param name="steps">The steps, in order; null when unsupported.</param>
    /// <param name="unsupported">Why the chain is not supported; null when it is.</param>
    /// <returns>True when every step is supported.</returns>
    public static bool TryRead(JsonElement decoder, out List<DecodeStep>? steps, out string? unsupported)
    {
        var list = new List<DecodeStep>();
        bool fused = false;
        unsupported = Read(decoder, list, ref fused);
        steps = unsupported is null ? list : null;
        return unsupported is null;
    }

    private static string? Read(JsonElement decoder, List<DecodeStep> steps, ref bool fused)
    {
        if (decoder.ValueKind != JsonValueKind.Object)
        {
            return $"the decoder is {decoder.ValueKind}, not an object (a missing decoder joins tokens with spaces)";
        }

        string? type = decoder.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String
            ? typeElement.GetString()
            : null;
        switch (type)
        {
            case "Sequence":
                if (!decoder.TryGetProperty("decoders", out JsonElement inner) || inner.ValueKind != JsonValueKind.Array)
                {
                    return "a Sequence decoder has no 'decoders' array";
                }

                foreach (JsonElement step in inner.EnumerateArray())
                {
                    if (Read(step, steps, ref fused) is string problem)
                    {
                        return problem;
                    }
                }

                return null;

            case "Replace":
                return ReadReplace(decoder, steps, fused);

            case "ByteFallback":
                if (fused)
                {
                    return "a ByteFallback decoder after Fuse";
                }

                steps.Add(new ByteFallbackStep());
                return null;

            case "Fuse":
                fused = true;
                steps.Add(new FuseStep());
                return null;

            case "Strip":
                return ReadStrip(decoder, steps, fused);

            default:
                return $"decoder type '{type ?? "(none)"}'";
        }
    }

    private static string? ReadReplace(JsonElement decoder, List<DecodeStep> steps, bool fused)
    {
        if (!decoder.TryGetProperty("pattern", out JsonElement pattern) || pattern.ValueKind != JsonValueKind.Object
            || !pattern.TryGetProperty("String", out JsonElement text) || text.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(text.GetString()))
        {
            return "a Replace decoder whose pattern is not a non-empty String (Regex patterns are not supported)";
        }

        if (!decoder.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
        {
            return "a Replace decoder without a string 'content'";
        }

        var step = new ReplaceStep(text.GetString()!, content.GetString()!);
        if (fused && step.PatternLength != 1)
        {
            return "a Replace decoder after Fuse whose pattern is longer than one character";
        }

        steps.Add(step);
        return null;
    }

    private static string? ReadStrip(JsonElement decoder, List<DecodeStep> steps, bool fused)
    {
        if (!decoder.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String
            || content.GetString()!.Length != 1)
        {
            return "a Strip decoder whose 'content' is not one UTF-16 character";
        }

        if (!TryCount(decoder, "start", out int start) || !TryCount(decoder, "stop", out int stop))
        {
            return "a Strip decoder whose 'start' or 'stop' is not a count from 0 to 1024";
        }

        steps.Add(new StripStep(content.GetString()![0], start, stop, fused));
        return null;
    }

    private static bool TryCount(JsonElement decoder, string name, out int value)
    {
        value = 0;
        return decoder.TryGetProperty(name, out JsonElement element)
            && element.ValueKind == JsonValueKind.Number
            && element.TryGetInt32(out value)
            && value is >= 0 and <= 1024;
    }
}
