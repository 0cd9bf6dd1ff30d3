namespace PaliGemma.AI;

/// <summary>What an image header says about an image, read without decoding its pixels.</summary>
/// <param name="Width">The width in pixels as the image is displayed, that is after its EXIF orientation.</param>
/// <param name="Height">The height in pixels as the image is displayed, that is after its EXIF orientation.</param>
/// <param name="Format">The name of the encoded format, for example <c>PNG</c> or <c>JPEG</c>.</param>
/// <param name="MediaType">The media type of the encoded format, for example <c>image/png</c>.</param>
/// <param name="Orientation">The EXIF orientation (1 to 8; 1 when the image has none).</param>
public sealed record ImageInfo(int Width, int Height, string Format, string MediaType, int Orientation)
{
    /// <summary>Gets the number of pixels, <see cref="Width"/> × <see cref="Height"/>.</summary>
    public long PixelCount => (long)Width * Height;

    /// <summary>Gets a value indicating whether the EXIF orientation swaps width and height (orientations 5 to 8).</summary>
    public bool IsTransposed => Orientation is >= 5 and <= 8;
}
