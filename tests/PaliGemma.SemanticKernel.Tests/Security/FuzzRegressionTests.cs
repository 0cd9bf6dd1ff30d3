using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Security;

/// <summary>References found by fuzzing the resolver (fuzz/run.sh resolver) that escaped as an untyped exception.</summary>
public class FuzzRegressionTests
{
    private static readonly string Payload = Convert.ToBase64String(AgentModelFixture.SceneBytes);

    [Theory]
    [InlineData("image/b.mdata:p")] // the input the fuzzer found
    [InlineData("image/")]
    [InlineData("image/p n g")]
    public async Task Data_uri_with_an_invalid_media_type_is_an_invalid_reference(string mediaType)
    {
        var resolver = new ImageReferenceResolver();
        var ex = await Assert.ThrowsAsync<ImageReferenceException>(async () => await resolver.ResolveAsync($"data:{mediaType};base64,{Payload}"));
        Assert.Equal(PaliGemmaToolErrorCodes.InvalidReference, ex.Code);
        Assert.Contains("media type", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_uri_with_a_valid_media_type_still_resolves()
    {
        var resolver = new ImageReferenceResolver();
        var image = await resolver.ResolveAsync($"data:image/png;base64,{Payload}");
        Assert.Equal(AgentModelFixture.SceneBytes, image.Data.ToArray());
    }
}
