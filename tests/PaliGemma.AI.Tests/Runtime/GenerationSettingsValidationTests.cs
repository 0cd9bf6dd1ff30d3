using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Argument checks of a generation request, before any native call.</summary>
public sealed class GenerationSettingsValidationTests
{
    private static readonly PaliGemmaManifest Manifest = FakeModelFolder.Manifest;
    private static readonly int Image = Manifest.TokenIds.Image;

    private static int[] Prompt(int images, int text) => [.. Enumerable.Repeat(Image, images), 2, .. Enumerable.Range(20, text), 5];

    [Fact]
    public void Defaults_are_greedy_with_256_tokens()
    {
        var settings = new PaliGemmaGenerationSettings();
        Assert.Equal(256, settings.MaxNewTokens);
        Assert.Equal(0f, settings.Temperature);
        Assert.False(settings.IsSampling);
        Assert.Equal(1f, settings.TopP);
        Assert.Null(settings.Seed);
    }

    public static TheoryData<PaliGemmaGenerationSettings, string> BadSettings() => new()
    {
        { new() { MaxNewTokens = 0 }, "MaxNewTokens is 0" },
        { new() { MaxNewTokens = -3 }, "MaxNewTokens is -3" },
        { new() { Temperature = -0.5f }, "Temperature is -0.5" },
        { new() { Temperature = float.NaN }, "Temperature is NaN" },
        { new() { Temperature = float.PositiveInfinity }, "Temperature is" },
        { new() { TopK = -1 }, "TopK is -1" },
        { new() { TopK = 1301 }, "TopK is 1301" },
        { new() { TopP = 0f }, "TopP is 0" },
        { new() { TopP = 1.5f }, "TopP is 1.5" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Out_of_range_settings_are_rejected(PaliGemmaGenerationSettings settings, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => GenerationRequest.Create(Manifest, new float[4 * 8], Prompt(4, 2), settings));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_length_is_prompt_plus_new_tokens()
    {
        int[] prompt = Prompt(4, 3);
        var request = GenerationRequest.Create(Manifest, new float[4 * 8], prompt, new() { MaxNewTokens = 10 });
        Assert.Equal(prompt.Length + 10, request.MaxLength);
        Assert.Equal(10, request.MaxNewTokens);
    }

    [Fact]
    public void Max_length_is_capped_by_the_manifest()
    {
        int[] prompt = Prompt(4, 3);
        var request = GenerationRequest.Create(Manifest, new float[4 * 8], prompt, new() { MaxNewTokens = 1000 });
        Assert.Equal(64, request.MaxLength);
        Assert.Equal(64 - prompt.Length, request.MaxNewTokens);
    }

    [Fact]
    public void Prompt_at_or_over_the_cap_names_both_numbers()
    {
        int[] prompt = Prompt(4, 64);
        var ex = Assert.Throws<ArgumentException>(() => GenerationRequest.Create(Manifest, new float[4 * 8], prompt, new()));
        Assert.Contains(prompt.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Contains("64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feature_rows_must_match_image_tokens()
    {
        var ex = Assert.Throws<ArgumentException>(() => GenerationRequest.Create(Manifest, new float[3 * 8], Prompt(4, 2), new()));
        Assert.Contains("3 rows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4 <image>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_must_be_whole_rows()
    {
        var ex = Assert.Throws<ArgumentException>(() => GenerationRequest.Create(Manifest, new float[4 * 8 + 1], Prompt(4, 2), new()));
        Assert.Contains("multiple of the text hidden size 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_only_prompt_takes_no_features()
    {
        var request = GenerationRequest.Create(Manifest, ReadOnlyMemory<float>.Empty, Prompt(0, 2), new());
        Assert.Equal(0, request.Features.Length);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1300)]
    public void Token_ids_outside_the_vocabulary_are_rejected(int id)
    {
        var ex = Assert.Throws<ArgumentException>(() => GenerationRequest.Create(Manifest, ReadOnlyMemory<float>.Empty, [2, id], new()));
        Assert.Contains(id.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_prompt_is_rejected()
        => Assert.Throws<ArgumentException>(() => GenerationRequest.Create(Manifest, ReadOnlyMemory<float>.Empty, [], new()));

    [Fact]
    public void Prompt_is_copied()
    {
        int[] prompt = Prompt(0, 2);
        var request = GenerationRequest.Create(Manifest, ReadOnlyMemory<float>.Empty, prompt, new());
        prompt[0] = 99;
        Assert.Equal(2, request.PromptIds[0]);
    }
}
