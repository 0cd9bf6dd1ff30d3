namespace PaliGemma.AI;

/// <summary>
/// An image prepared as PaliGemma's vision input: RGB, resized to <see cref="Size"/> × <see cref="Size"/>
/// (aspect ratio not kept), scaled to [-1, 1] and laid out channel-first (CHW, float32).
/// </summary>
public sealed class PreprocessedImage
{
    internal PreprocessedImage(int originalWidth, int originalHeight, int size, float[] pixelValues)
    {
        OriginalWidth = originalWidth;
        OriginalHeight = originalHeight;
        Size = size;
        PixelValues = pixelValues;
    }

    /// <summary>Gets the width of the source image in pixels, after its EXIF orientation was applied.</summary>
    public int OriginalWidth { get; }

    /// <summary>Gets the height of the source image in pixels, after its EXIF orientation was applied.</summary>
    public int OriginalHeight { get; }

    /// <summary>Gets the side of the square model input in pixels (224, 448 or 896 for PaliGemma).</summary>
    public int Size { get; }

    /// <summary>
    /// Gets the pixel values, 3 × <see cref="Size"/> × <see cref="Size"/> floats in [-1, 1]: the red plane,
    /// then green, then blue, each row-major from the top-left pixel. This is tensor <c>[1, 3, Size, Size]</c>.
    /// </summary>
#pragma warning disable CA1819 // The tensor buffer is handed to ONNX Runtime without copying.
    public float[] PixelValues { get; }
#pragma warning restore CA1819
}
