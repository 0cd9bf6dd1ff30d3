using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Prompts;

public sealed class PromptTextValidatorTests
{
    [Theory]
    [InlineData("en", true)]
    [InlineData("fil", true)]
    [InlineData("zh-Hant", true)]
    [InlineData("es_419", true)]
    [InlineData("pt-BR", true)]
    [InlineData("p", false)]
    [InlineData("engl", false)]
    [InlineData("De", false)]
    [InlineData("en-", false)]
    [InlineData("en--US", false)]
    [InlineData("en-Hant1", false)]
    [InlineData("ен", false)]
    public void Language_rule(string language, bool valid) =>
        Assert.Equal(valid, PromptTextValidator.IsValidLanguage(language));

    [Theory]
    [InlineData("cat", true)]
    [InlineData(" cat ", true)]
    [InlineData("traffic light", true)]
    [InlineData("cat;", false)]
    [InlineData("\tcat", false)]
    [InlineData(null, false)]
    public void Label_rule(string? label, bool valid) => Assert.Equal(valid, PromptTextValidator.IsValidLabel(label));

    [Fact]
    public void ValidateLabel_reports_given_parameter_name()
    {
        Assert.Equal("cat", PromptTextValidator.ValidateLabel("  cat", "label"));
        var ex = Assert.Throws<ArgumentException>(() => PromptTextValidator.ValidateLabel("a;b", "objectName"));
        Assert.Equal("objectName", ex.ParamName);
        Assert.Contains("\"a;b\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_escapes_control_characters_and_quotes() =>
        Assert.Equal("\"a\\r\\n\\\"b\\\"\\u0007\"", PromptTextValidator.Quote("a\r\n\"b\"\a"));
}
