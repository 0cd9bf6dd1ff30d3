using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaliGemma.AI;

/// <summary>
/// Writes a <see cref="SegmentationMask"/> compactly as
/// <c>{"imageWidth":w,"imageHeight":h,"area":n,"rle":{"size":[h,w],"counts":[...]}}</c> (COCO uncompressed RLE,
/// see <see cref="CocoRle"/>) instead of its 4096 logits. Masks are output only: reading one throws
/// <see cref="NotSupportedException"/>.
/// </summary>
public sealed class SegmentationMaskJsonConverter : JsonConverter<SegmentationMask>
{
    /// <inheritdoc />
    public override SegmentationMask Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Segmentation masks are serialized for output only (as COCO RLE) and cannot be read back.");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, SegmentationMask value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        CocoRle rle = value.ToCocoRle();
        writer.WriteStartObject();
        writer.WriteNumber("imageWidth", value.ImageWidth);
        writer.WriteNumber("imageHeight", value.ImageHeight);
        writer.WriteNumber("area", value.Area);
        writer.WriteStartObject("rle");
        writer.WriteStartArray("size");
        foreach (int s in rle.Size)
        {
            writer.WriteNumberValue(s);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("counts");
        foreach (int c in rle.Counts)
        {
            writer.WriteNumberValue(c);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
