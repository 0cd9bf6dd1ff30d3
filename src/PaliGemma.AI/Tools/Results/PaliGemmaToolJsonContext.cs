using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI;

/// <summary>Source-generated JSON metadata of the tool results (property names are fixed by attributes; nulls are omitted).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DetectToolResult))]
[JsonSerializable(typeof(SegmentToolResult))]
[JsonSerializable(typeof(TextToolResult))]
[JsonSerializable(typeof(PaliGemmaToolResult))]
[JsonSerializable(typeof(string))]
public sealed partial class PaliGemmaToolJsonContext : JsonSerializerContext
{
    private static JsonSerializerOptions? _toolOptions;

    /// <summary>
    /// Gets serializer options for the tools: this context first, then Microsoft.Extensions.AI's defaults (for the
    /// parameter types of function schemas). Read-only.
    /// </summary>
    public static JsonSerializerOptions ToolSerializerOptions => _toolOptions ??= CreateToolOptions();

    private static JsonSerializerOptions CreateToolOptions()
    {
        var options = new JsonSerializerOptions(Default.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, AIJsonUtilities.DefaultOptions.TypeInfoResolver),
        };
        options.MakeReadOnly();
        return options;
    }
}
