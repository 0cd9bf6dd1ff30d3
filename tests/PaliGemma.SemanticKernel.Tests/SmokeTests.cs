namespace PaliGemma.SemanticKernel.Tests;

public class SmokeTests
{
    [Fact]
    public void Plugin_name_is_paligemma() => Assert.Equal("paligemma", PaliGemmaSemanticKernel.PluginName);
}
