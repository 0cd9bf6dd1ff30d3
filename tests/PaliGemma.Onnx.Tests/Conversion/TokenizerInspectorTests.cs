using System.Text;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;

namespace PaliGemma.Onnx.Tests.Conversion;

public sealed class TokenizerInspectorTests
{
    private static readonly PaliGemmaConfig Released = new()
    {
        Vision = new SiglipVisionConfig(),
        Text = new GemmaTextConfig { ModelType = "gemma2", VocabSize = 257216 },
        ImageTokenIndex = 257152,
    };

    // A tokenizer.json with the released id layout (DESIGN §3): 256000 text pieces, then loc, seg, image.
    private static string ReleasedTokenizer(int shift)
    {
        var json = new StringBuilder("{\"model\":{\"type\":\"BPE\",\"vocab\":{");
        string[] named = ["<pad>", "<eos>", "<bos>", "<unk>"];
        for (int id = 0; id < 256000; id++)
        {
            string token = id < named.Length ? named[id] : id == 107 ? "<end_of_turn>" : id == 108 ? "\\n" : $"t{id}";
            json.Append('"').Append(token).Append("\":").Append(id).Append(',');
        }

        for (int i = 0; i < 1024; i++)
        {
            json.Append($"\"<loc{i:D4}>\":{256000 + shift + i},");
        }

        for (int i = 0; i < 128; i++)
        {
            json.Append($"\"<seg{i:D3}>\":{257024 + shift + i},");
        }

        json.Append("\"<image>\":257152}}}");
        return json.ToString();
    }

    [Fact]
    public void Released_layout_gives_the_documented_ids()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), ReleasedTokenizer(shift: 0));
        PaliGemmaTokenIds ids = TokenizerInspector.ReadTokenIds(folder.File("tokenizer.json"), Released);

        Assert.Equal((108, 256000, 257024, 257152), (ids.Newline, ids.LocStart, ids.SegStart, ids.Image));
        Assert.Equal([107], ids.ExtraStop);
    }

    [Fact]
    public void Released_size_tokenizer_with_other_ids_is_rejected()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), ReleasedTokenizer(shift: 1));
        var ex = Assert.Throws<CheckpointException>(() => TokenizerInspector.ReadTokenIds(folder.File("tokenizer.json"), Released));
        Assert.Contains("256000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gaps_in_the_location_tokens_are_rejected()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), ReleasedTokenizer(shift: 0).Replace("\"<loc0500>\":256500", "\"<loc0500>\":3", StringComparison.Ordinal));
        var ex = Assert.Throws<CheckpointException>(() => TokenizerInspector.ReadTokenIds(folder.File("tokenizer.json"), Released));
        Assert.Contains("<loc0500>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenizer_without_a_model_vocabulary_is_rejected()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("tokenizer.json"), "{\"model\":{\"type\":\"WordLevel\"}}");
        var ex = Assert.Throws<CheckpointException>(() => TokenizerInspector.ReadTokenIds(folder.File("tokenizer.json"), Released));
        Assert.Contains("model.vocab", ex.Message, StringComparison.Ordinal);
    }
}
