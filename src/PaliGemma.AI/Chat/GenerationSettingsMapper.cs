using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AI;

/// <summary>Maps <see cref="ChatOptions"/> onto <see cref="PaliGemmaGenerationSettings"/> (greedy by default).</summary>
internal static class GenerationSettingsMapper
{
    /// <summary>Creates the generation settings for a request.</summary>
    /// <param name="options">The chat options, or null.</param>
    /// <returns>The settings; unset options keep the runtime's defaults.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A sampling option is out of range.</exception>
    public static PaliGemmaGenerationSettings Map(ChatOptions? options)
    {
        var defaults = new PaliGemmaGenerationSettings();
        if (options is null)
        {
            return defaults;
        }

        string? adapter = options.GetPaliGemmaAdapter();

        if (options.Temperature is < 0f || options.Temperature is float t && !float.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Temperature, "ChatOptions.Temperature must be a finite number ≥ 0 (0 = greedy).");
        }

        if (options.TopP is float p && (!(p > 0f) || p > 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TopP, "ChatOptions.TopP must be in (0, 1].");
        }

        if (options.TopK is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TopK, "ChatOptions.TopK must be at least 1.");
        }

        return new PaliGemmaGenerationSettings
        {
            MaxNewTokens = options.MaxOutputTokens ?? defaults.MaxNewTokens,
            Temperature = options.Temperature ?? defaults.Temperature,
            TopK = options.TopK ?? defaults.TopK, // 0 = no limit
            TopP = options.TopP ?? defaults.TopP,
            Seed = options.Seed is long seed ? FoldSeed(seed) : defaults.Seed,
            Adapter = adapter,
        };
    }

    /// <summary>Folds a 64-bit seed into 32 bits: values that fit an <see cref="int"/> are kept as they are.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>The 32-bit seed.</returns>
    internal static int FoldSeed(long seed) =>
        seed is >= int.MinValue and <= int.MaxValue ? (int)seed : unchecked((int)seed ^ (int)(seed >> 32));
}
