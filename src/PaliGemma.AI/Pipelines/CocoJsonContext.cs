using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaliGemma.AI;

/// <summary>Source-generated JSON metadata for the COCO export (snake_case names, as COCO spells them; nulls omitted).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CocoImage))]
[JsonSerializable(typeof(CocoCategory))]
[JsonSerializable(typeof(CocoAnnotation))]
[JsonSerializable(typeof(CocoRle))]
public sealed partial class CocoJsonContext : JsonSerializerContext
{
}
