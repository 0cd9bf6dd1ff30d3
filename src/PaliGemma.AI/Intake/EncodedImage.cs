using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>
/// The encoded bytes of one image as <see cref="ImageIntake"/> read them, within
/// <see cref="ImageLoadOptions.MaxEncodedBytes"/>. The pixels have not been decoded yet.
/// </summary>
public sealed class EncodedImage
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="bytes">The encoded bytes (not copied).</param>
    /// <param name="mediaType">The media type the source declared, or null when it declared none.</param>
    /// <param name="name">A display name (for example the file name), or null.</param>
    public EncodedImage(ReadOnlyMemory<byte> bytes, string? mediaType = null, string? name = null)
    {
        Bytes = bytes;
        MediaType = mediaType;
        Name = name;
    }

    /// <summary>Gets the encoded bytes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Gets the media type the source declared (a data: URI, a <see cref="DataContent"/>, a Content-Type), or null.</summary>
    public string? MediaType { get; }

    /// <summary>Gets a display name (for example the file name), or null.</summary>
    public string? Name { get; }

    /// <summary>Wraps the bytes as a <see cref="DataContent"/> with the given media type.</summary>
    /// <param name="mediaType">The media type, normally <see cref="ImageInfo.MediaType"/> from the header.</param>
    /// <returns>The content (the bytes are not copied).</returns>
    public DataContent ToDataContent(string mediaType) => new(Bytes, mediaType) { Name = Name };
}
