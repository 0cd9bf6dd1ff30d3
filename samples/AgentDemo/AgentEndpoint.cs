using System.ClientModel;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace AgentDemo;

/// <summary>Builds the orchestrating LLM's <see cref="IChatClient"/> from environment variables.</summary>
internal static class AgentEndpoint
{
    /// <summary>Returns the configured client and a description, or null when no endpoint is configured.</summary>
    public static (IChatClient Client, string Description)? FromEnvironment()
    {
        string? openAiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        string? openAiBase = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
        if (!string.IsNullOrWhiteSpace(openAiKey) || !string.IsNullOrWhiteSpace(openAiBase))
        {
            string model = Environment.GetEnvironmentVariable("OPENAI_MODEL") is { Length: > 0 } m ? m : "gpt-4o-mini";
            var options = new OpenAIClientOptions();
            if (!string.IsNullOrWhiteSpace(openAiBase))
            {
                options.Endpoint = new Uri(openAiBase);
            }

            // Local OpenAI-compatible servers often need no key; the SDK still wants a non-empty one.
            var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrWhiteSpace(openAiKey) ? "unused" : openAiKey), options);
            return (client.GetChatClient(model).AsIChatClient(), $"OpenAI-compatible {openAiBase ?? "api.openai.com"} model {model}");
        }

        string? ollamaModel = Environment.GetEnvironmentVariable("OLLAMA_MODEL");
        if (!string.IsNullOrWhiteSpace(ollamaModel))
        {
            string host = Environment.GetEnvironmentVariable("OLLAMA_HOST") is { Length: > 0 } h ? h : "http://localhost:11434";
            if (!host.Contains("://", StringComparison.Ordinal))
            {
                host = "http://" + host;
            }

            return (new OllamaApiClient(new Uri(host), ollamaModel), $"Ollama {host} model {ollamaModel}");
        }

        return null;
    }
}
