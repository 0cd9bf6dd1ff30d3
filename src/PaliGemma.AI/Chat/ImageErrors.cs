namespace PaliGemma.AI;

/// <summary>Creates the image exceptions the chat client raises before the image processor sees the bytes.</summary>
internal static class ImageErrors
{
    /// <summary>The encoded image is larger than allowed.</summary>
    /// <param name="message">The message naming the image and the sizes.</param>
    /// <returns>The exception to throw.</returns>
    public static PaliGemmaImageException TooManyBytes(string message) => new(ImageErrorReason.EncodedTooLarge, message);
}
