using System.Text.Json.Nodes;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Runtime;

namespace PaliGemma.AI.Tests.Faults;

/// <summary>
/// Inputs the <c>modelconfig</c> fuzz target (fuzz/README.md) found: a <c>paligemma.json</c> without
/// <c>image_mean</c> made <c>ManifestValidator</c> throw <see cref="NullReferenceException"/> (the serializer leaves an
/// absent or null reference-typed key null). Every such key now fails the load with a <see cref="PaliGemmaModelException"/>
/// naming the manifest and the key.
/// </summary>
public sealed class FuzzRegressionTests
{
    [Theory]
    [InlineData("image_mean", false, "image_mean and image_std")] // the crashing input: the key renamed away
    [InlineData("image_std", false, "image_mean and image_std")]
    [InlineData("image_std", true, "image_mean and image_std")]
    [InlineData("files", false, "files is missing or null")]
    [InlineData("files", true, "files is missing or null")]
    [InlineData("token_ids.extra_stop", false, "token_ids.extra_stop is missing or null")]
    [InlineData("token_ids.extra_stop", true, "token_ids.extra_stop is missing or null")]
    [InlineData("files.vision", true, "files.vision must be a plain file name")]
    [InlineData("architecture", true, "architecture '' is unknown")]
    public void A_manifest_key_that_is_absent_or_null_is_named(string key, bool asNull, string expected)
    {
        using var folder = new FakeModelFolder();
        string path = folder.PathOf("paligemma.json");
        JsonObject manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        string[] parts = key.Split('.');
        JsonObject parent = parts[..^1].Aggregate(manifest, (node, name) => node[name]!.AsObject());
        Assert.True(parent.ContainsKey(parts[^1]), $"the fake manifest has no {key}");
        if (asNull)
        {
            parent[parts[^1]] = null;
        }
        else
        {
            parent.Remove(parts[^1]);
        }

        File.WriteAllText(path, manifest.ToJsonString());

        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder.Root));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
