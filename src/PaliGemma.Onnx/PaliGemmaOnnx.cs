namespace PaliGemma.Onnx;

/// <summary>Marker for the PaliGemma model tooling assembly.</summary>
public static class PaliGemmaOnnx
{
}
