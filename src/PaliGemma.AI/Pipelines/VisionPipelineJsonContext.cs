using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaliGemma.AI;

/// <summary>Source-generated JSON metadata for <see cref="VisionPipelineResult"/> (camelCase; masks as COCO RLE, nulls omitted).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VisionPipelineResult))]
public sealed partial class VisionPipelineJsonContext : JsonSerializerContext
{
}
