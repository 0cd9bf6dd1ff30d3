using PaliGemma.AI;
using PaliGemma.SemanticKernel.Tests.Agents;

namespace PaliGemma.SemanticKernel.Tests.Security;

/// <summary>
/// A hostile 1 GB <c>data:</c> URI is refused without decoding it. The allocation check counts every thread's
/// allocations (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), because the refusal runs across <c>await</c>s that may
/// resume on another thread; so the class runs alone, in a collection that is never parallel with other tests.
/// </summary>
[Collection(Name)]
public sealed class HugeDataUriTests
{
    /// <summary>The non-parallel collection of this class.</summary>
    public const string Name = "huge data URI (measures allocations of all threads)";

    [Fact]
    public async Task A_one_gigabyte_data_uri_is_a_tool_error_and_never_reaches_the_model()
    {
        // 10^9 characters of valid base64 — a 1 GB URI as JSON text (2 GB as a .NET string): what a hostile LLM could send.
        const int length = 1_000_000_000;
        string prefix = "data:image/png;base64,";
        string uri = string.Create(length, prefix, (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            span[p.Length..].Fill('A');
        });
        var server = new FakePaliGemmaServer();
        var tools = new PaliGemmaVisionTools(new PaliGemmaVision(server), new ImageReferenceResolver());

        // Warm up the same refusal on a small cap, so first-call JIT and static set-up are not counted as the URI's cost.
        var small = new PaliGemmaVisionTools(new PaliGemmaVision(new FakePaliGemmaServer()), new ImageReferenceResolver(null, new PaliGemmaToolOptions { MaxImageBytes = 1000 }));
        Assert.Equal(PaliGemmaToolErrorCodes.ImageTooLarge, (await small.DetectAsync("car", prefix + new string('A', 4000))).Code);
        long before = GC.GetTotalAllocatedBytes(precise: true);

        DetectToolResult result = await tools.DetectAsync("car", uri);

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(PaliGemmaToolErrorCodes.ImageTooLarge, result.Code);
        Assert.False(string.IsNullOrEmpty(result.Error));
        Assert.Empty(server.Prompts);
        Assert.True(allocated < 1 << 20, $"refusing the URI allocated {allocated:N0} bytes; it must not decode it");
    }
}

/// <summary>Runs <see cref="HugeDataUriTests"/> with no other test at the same time.</summary>
[CollectionDefinition(HugeDataUriTests.Name, DisableParallelization = true)]
public sealed class HugeDataUriCollection;
