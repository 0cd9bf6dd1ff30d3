using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PaliGemma.SemanticKernel.Tests.Agents;

/// <summary>Reads the JSON an LLM receives for a tool result.</summary>
internal static class ToolJson
{
    /// <summary>The JSON text of a function result as a provider would send it (strings as is, objects serialised).</summary>
    public static JsonElement Of(FunctionResultContent result)
    {
        Assert.Null(result.Exception);
        return result.Result switch
        {
            JsonElement e => e,
            string s => JsonDocument.Parse(s).RootElement.Clone(),
            var other => JsonSerializer.SerializeToElement(other, AIJsonUtilities.DefaultOptions),
        };
    }

    /// <summary>The function results in the messages, in order.</summary>
    public static List<FunctionResultContent> Results(IEnumerable<ChatMessage> messages) =>
        [.. messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()];

    public static double Num(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    /// <summary>The property names of an object, in order.</summary>
    public static string[] Names(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];
}
