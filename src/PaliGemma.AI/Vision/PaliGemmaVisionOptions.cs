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
}
