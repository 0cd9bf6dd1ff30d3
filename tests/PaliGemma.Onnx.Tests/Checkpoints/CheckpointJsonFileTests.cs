using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;

namespace PaliGemma.Onnx.Tests.Checkpoints;

/// <summary>
/// The three JSON files of a checkpoint folder (config, tokenizer, safetensors index) fail the same way when missing or
/// not JSON: a <see cref="CheckpointException"/> whose message names the file as its reader calls it.
/// </summary>
public sealed class CheckpointJsonFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Readers => ["config", "tokenizer", "index"];

    [Theory]
    [MemberData(nameof(Readers))]
    public void A_missing_file_is_named_with_what_the_folder_must_hold(string reader)
    {
        string path = _folder.File("absent.json");

        string expected = reader switch
        {
            "config" => $"Config '{path}' does not exist; a Hugging Face PaliGemma checkpoint folder must contain 'config.json'.",
            "tokenizer" => $"Tokenizer '{path}' does not exist; the checkpoint folder must contain the Hugging Face 'tokenizer.json'.",
            _ => $"Checkpoint index '{path}' does not exist.",
        };
        Assert.Equal(expected, Read(reader, path).Message);
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void A_file_that_is_not_json_is_named_and_keeps_the_parser_error(string reader)
    {
        string path = _folder.File("broken.json");
        File.WriteAllText(path, "{\"a\": ");

        CheckpointException ex = Read(reader, path);

        string name = reader switch { "config" => "Config", "tokenizer" => "Tokenizer", _ => "Checkpoint index" };
        Assert.StartsWith($"{name} '{path}' is not valid JSON: ", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(ex.InnerException);
    }

    private static CheckpointException Read(string reader, string path) => Assert.Throws<CheckpointException>(() =>
    {
        switch (reader)
        {
            case "config":
                PaliGemmaConfigReader.Read(path);
                break;
            case "tokenizer":
                TokenizerInspector.ReadVocabulary(path);
                break;
            default:
                SafetensorsReader.OpenIndex(path).Dispose();
                break;
        }
    });
}
