using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>Prompt ids, tokenisation and detokenisation through the model's tokenizer.</summary>
public sealed class TokenizationTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private PaliGemmaModel Model => fixture.Model(TinyModelKind.PaliGemma2At224);

    [Fact]
    public void Prompt_is_image_tokens_bos_prefix_newline()
    {
        PaliGemmaModel model = Model;
        PaliGemmaTokenIds ids = model.Manifest.TokenIds;
        int[] prompt = model.BuildPromptIds("caption en");
        IReadOnlyList<int> prefix = model.Tokenize("caption en");

        Assert.Equal(model.NumImageTokens + 1 + prefix.Count + 1, prompt.Length);
        Assert.All(prompt[..model.NumImageTokens], id => Assert.Equal(ids.Image, id));
        Assert.Equal(ids.Bos, prompt[model.NumImageTokens]);
        Assert.Equal(prefix, prompt[(model.NumImageTokens + 1)..^1]);
        Assert.Equal(ids.Newline, prompt[^1]);
    }

    [Fact]
    public void Tokenize_adds_no_special_tokens()
    {
        IReadOnlyList<int> ids = Model.Tokenize("caption en");
        Assert.NotEmpty(ids);
        Assert.DoesNotContain(Model.Manifest.TokenIds.Bos, ids);
        Assert.DoesNotContain(Model.Manifest.TokenIds.Eos, ids);
        Assert.Empty(Model.Tokenize(string.Empty));
        Assert.Equal([108], Model.Tokenize("\n"));
    }

    [Fact]
    public void Decode_keeps_location_and_segment_tokens_and_drops_control_tokens()
    {
        PaliGemmaModel model = Model;
        PaliGemmaTokenIds ids = model.Manifest.TokenIds;
        int[] tokens = [ids.Bos, ids.LocStart + 12, ids.LocStart + 1023, ids.SegStart + 7, .. model.Tokenize(" cat"), ids.Eos, ids.Pad];
        Assert.Equal("<loc0012><loc1023><seg007> cat", model.Decode(tokens));
        Assert.Equal(string.Empty, model.Decode([ids.Bos, ids.Eos]));
    }

    [Fact]
    public void Tokenize_then_decode_round_trips_text()
    {
        const string text = "detect cat ; dog <loc0001> héllo 日本";
        Assert.Equal(text, Model.Decode([.. Model.Tokenize(text)]));
    }

    [Fact]
    public void Text_decoder_pieces_concatenate_to_decode()
    {
        PaliGemmaModel model = Model;
        PaliGemmaTokenIds ids = model.Manifest.TokenIds;
        int[] tokens = [.. model.Tokenize("a cat <loc0100> héllo 日本"), ids.Eos];
        using PaliGemmaTextDecoder decoder = model.CreateTextDecoder();
        var pieces = tokens.Select(decoder.Append).ToList();
        Assert.Contains(string.Empty, pieces); // a byte of a multi-byte character held back
        Assert.Equal(string.Empty, pieces[^1]); // eos prints nothing, and the bytes of 日本 are still held back
        Assert.Equal("日本", decoder.Flush());
        Assert.Equal(model.Decode(tokens), string.Concat(pieces) + "日本");
        Assert.Equal(string.Empty, decoder.Flush());
    }

    [Fact]
    public void Text_decoder_after_dispose_throws()
    {
        PaliGemmaTextDecoder decoder = Model.CreateTextDecoder();
        decoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => decoder.Append(5));
        Assert.Throws<ObjectDisposedException>(() => decoder.Flush());
    }
}
