using System.Buffers.Binary;
using System.Text;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;

namespace PaliGemma.Onnx.Tests.Faults;

/// <summary>
/// Inputs found by fuzzing (fuzz/run.sh) that escaped the readers with an untyped exception, kept as regression tests.
/// Invalid UTF-8 inside a JSON string passes <c>JsonDocument.Parse</c> and only fails when the string is read, as an
/// <see cref="InvalidOperationException"/>; every reader must report it as its own typed error naming the file.
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private static readonly byte[] Invalid = [0xFF, 0xFE];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Join(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    [Fact]
    public void Config_with_invalid_utf8_in_model_type_is_a_checkpoint_error()
    {
        // fuzz/out/findings/config/crash-3066896c…: {"model_type": "p\xff…aligemma", …}
        string path = _folder.File("config.json");
        File.WriteAllBytes(path, Join(Utf8("{\"model_type\": \"p"), Invalid, Utf8("aligemma\", \"text_config\": {\"model_type\": \"gemma2\"}, \"vision_config\": {}}")));

        var ex = Assert.Throws<CheckpointException>(() => PaliGemmaConfigReader.Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_with_invalid_utf8_in_a_nested_key_is_a_checkpoint_error()
    {
        string path = _folder.File("config.json");
        File.WriteAllBytes(path, Join(Utf8("{\"model_type\": \"paligemma\", \"text_config\": {\"model_type\": \"gem"), Invalid, Utf8("\"}}")));

        var ex = Assert.Throws<CheckpointException>(() => PaliGemmaConfigReader.Read(path));
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Safetensors_header_with_an_invalid_utf8_tensor_name_is_a_checkpoint_error()
    {
        byte[] header = Join(Utf8("{\"a"), Invalid, Utf8("\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"));
        byte[] length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        string path = _folder.File("model.safetensors");
        File.WriteAllBytes(path, Join(length, header, new byte[4]));

        var ex = Assert.Throws<CheckpointException>(() => SafetensorsReader.Open(path).Dispose());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Safetensors_index_with_an_invalid_utf8_key_is_a_checkpoint_error()
    {
        string path = _folder.File("model.safetensors.index.json");
        File.WriteAllBytes(path, Join(Utf8("{\"weight_map\": {\"w"), Invalid, Utf8("\": \"model.safetensors\"}}")));

        var ex = Assert.Throws<CheckpointException>(() => SafetensorsReader.OpenIndex(path).Dispose());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenizer_with_an_invalid_utf8_token_is_a_checkpoint_error()
    {
        string path = _folder.File("tokenizer.json");
        File.WriteAllBytes(path, Join(Utf8("{\"model\": {\"vocab\": {\"<pad>\": 0, \"x"), Invalid, Utf8("\": 1}}, \"added_tokens\": [{\"id\": 2, \"content\": \"y"), Invalid, Utf8("\"}]}")));

        var ex = Assert.Throws<CheckpointException>(() => TokenizerInspector.ReadVocabulary(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }
}
