namespace PaliGemma.ModelFormat;

/// <summary>The input and output names of the vision graph (<see cref="ModelFileNames.Vision"/>).</summary>
public static class VisionGraphNames
{
    /// <summary>The preprocessed images: float32 (float16 in an fp16 vision graph) [batch, 3, S, S] in [-1, 1].</summary>
    public const string PixelValues = "pixel_values";

    /// <summary>The projected image features: [batch · image tokens, text hidden], the rows the decoder's <see cref="DecoderGraphNames.ImageFeatures"/> takes.</summary>
    public const string ImageFeatures = "image_features";
}
