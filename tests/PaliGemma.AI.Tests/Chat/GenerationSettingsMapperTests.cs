using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AI.Tests.Chat;

public sealed class GenerationSettingsMapperTests
{
    [Fact]
    public void No_options_means_greedy_with_the_runtime_defaults()
    {
        var settings = GenerationSettingsMapper.Map(null);
        Assert.Equal(0f, settings.Temperature);
        Assert.False(settings.IsSampling);
        Assert.Equal(new PaliGemmaGenerationSettings(), settings);
    }

    [Fact]
    public void Chat_options_map_onto_the_generation_settings()
    {
        var settings = GenerationSettingsMapper.Map(new ChatOptions { MaxOutputTokens = 7, Temperature = 0.5f, TopK = 3, TopP = 0.9f, Seed = 42 });
        Assert.Equal(7, settings.MaxNewTokens);
        Assert.Equal(0.5f, settings.Temperature);
        Assert.Equal(3, settings.TopK);
        Assert.Equal(0.9f, settings.TopP);
        Assert.Equal(42, settings.Seed);
    }

    [Fact]
    public void Large_seeds_fold_deterministically_into_32_bits()
    {
        var a = GenerationSettingsMapper.Map(new ChatOptions { Seed = 0x1_0000_0005L }).Seed;
        var b = GenerationSettingsMapper.Map(new ChatOptions { Seed = 0x1_0000_0005L }).Seed;
        var c = GenerationSettingsMapper.Map(new ChatOptions { Seed = 0x2_0000_0005L }).Seed;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(-5, GenerationSettingsMapper.Map(new ChatOptions { Seed = -5 }).Seed);
    }

    [Theory]
    [InlineData(-0.1f, null, null)]
    [InlineData(null, 0f, null)]
    [InlineData(null, 1.5f, null)]
    [InlineData(null, null, 0)]
    public void Out_of_range_sampling_options_are_refused(float? temperature, float? topP, int? topK)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GenerationSettingsMapper.Map(new ChatOptions { Temperature = temperature, TopP = topP, TopK = topK }));
        Assert.Contains("ChatOptions.", ex.Message, StringComparison.Ordinal);
    }
}
