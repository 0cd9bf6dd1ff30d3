using System.Text;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>
/// <see cref="System.Text.Json.JsonDocument"/> checks JSON syntax when parsing but decodes strings (values and property
/// names) only when they are read: invalid UTF-8 inside a string then surfaces as an <see cref="InvalidOperationException"/>
/// with a <see cref="DecoderFallbackException"/> inside. Readers of untrusted JSON turn that into their typed error.
/// </summary>
internal static class JsonUtf8Errors
{
    /// <summary>Whether <paramref name="exception"/> is System.Text.Json's "cannot transcode invalid UTF-8" error.</summary>
    public static bool IsInvalidUtf8(Exception exception) => exception is InvalidOperationException { InnerException: DecoderFallbackException };
}
