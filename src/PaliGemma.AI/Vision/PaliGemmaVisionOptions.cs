namespace PaliGemma.AI;

/// <summary>Settings of a <see cref="PaliGemmaVision"/> service.</summary>
public sealed class PaliGemmaVisionOptions
{
    /// <summary>Gets or sets the token limit of each request (default 256: room for about 40 boxes or 12 masks).</summary>
    public int MaxOutputTokens { get; set; } = 256;

    /// <summary>
    /// Gets or sets the limits used when reading the image header to learn its size, or <see langword="null"/> for
    /// the image processor's defaults.
    /// </summary>
    public ImageLoadOptions? ImageLoadOptions { get; set; }

    /// <summary>
    /// Gets or sets the decoder that turns <c>segment</c> codes into masks, or <see langword="null"/> (the default) to use the
    /// chat client's (<c>chatClient.GetService&lt;MaskDecoder&gt;()</c>: the model folder's <c>mask_decoder.onnx</c> for a
    /// <see cref="PaliGemmaChatClient"/>). When neither exists, segmentation results carry no masks. The service does not
    /// dispose it.
    /// </summary>
    public MaskDecoder? MaskDecoder { get; set; }
}
