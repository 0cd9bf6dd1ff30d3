using System.Text;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Runtime;

namespace PaliGemma.AI.Tests.Faults;

/// <summary>
/// Model files with invalid UTF-8 inside JSON strings (the fault fuzzing found in the checkpoint readers, checked here
/// for the runtime's own JSON files): loading fails with one <see cref="PaliGemmaModelException"/> naming the file.
/// </summary>
public sealed class InvalidUtf8ModelFileTests
{
    private static byte[] WithInvalidUtf8(string json, string marker)
    {
        int at = json.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, marker);
        return [.. Encoding.UTF8.GetBytes(json[..at]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(json[at..])];
    }

    [Fact]
    public void Manifest_with_invalid_utf8_in_a_string_names_the_manifest()
    {
        using var folder = new FakeModelFolder();
        string path = folder.PathOf("paligemma.json");
        File.WriteAllBytes(path, WithInvalidUtf8(File.ReadAllText(path), "paligemma"));

        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder.Root));
        Assert.Equal(path, ex.FilePath);
    }

    [Fact]
    public void Genai_config_with_invalid_utf8_in_the_decoder_file_name_names_the_config()
    {
        using var folder = new FakeModelFolder();
        string path = folder.PathOf("genai_config.json");
        File.WriteAllBytes(path, WithInvalidUtf8(File.ReadAllText(path), "decoder.onnx"));

        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder.Root));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }
}
