namespace PaliGemma.AI;

/// <summary>How transparent pixels become RGB; set with <see cref="ImageLoadOptions.Transparency"/>.</summary>
public enum TransparencyMode
{
    /// <summary>
    /// Keep the colour stored under each pixel and ignore its alpha, as Hugging Face's
    /// <c>SiglipImageProcessor</c> does (Pillow <c>convert("RGB")</c>) and as big_vision's training input
    /// pipeline does (decoding to 3 channels). Fully transparent areas keep whatever colour the file stores,
    /// often black. This is the default because it reproduces the reference model input.
    /// </summary>
    DropAlpha,

    /// <summary>
    /// Composite each pixel over opaque white with Pillow's integer arithmetic (<c>Image.alpha_composite</c>),
    /// as Hugging Face's Idefics2 and Mllama processors do. Fully transparent pixels become white.
    /// </summary>
    CompositeOnWhite,
}
