namespace PaliGemma.AI;

/// <summary>An object PaliGemma segmented for a <c>segment</c> prompt.</summary>
/// <param name="Label">The label the model wrote after the segmentation tokens (trimmed; may be empty).</param>
/// <param name="Box">The box in pixel coordinates of the original image.</param>
/// <param name="MaskTokens">The 16 VQ-VAE codes (0..127) from the <c>&lt;segNNN&gt;</c> tokens, in order.</param>
public sealed record SegmentedObject(string Label, BoundingBox Box, IReadOnlyList<int> MaskTokens)
{
    /// <summary>
    /// Gets the decoded mask in pixels of the original image, or <see langword="null"/> when the model folder has no
    /// <c>mask_decoder.onnx</c>, the codes are malformed, or the mask was not requested. Set by
    /// <see cref="SegmentationMasks.Attach"/>.
    /// </summary>
    public SegmentationMask? Mask { get; init; }
}
