using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaliGemma.AI;

/// <summary>Source-generated JSON metadata for the vision results (camelCase), for hosts that return them as JSON.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DetectionResult))]
[JsonSerializable(typeof(SegmentationResult))]
[JsonSerializable(typeof(TextResult))]
public sealed partial class PaliGemmaVisionJsonContext : JsonSerializerContext
{
}
