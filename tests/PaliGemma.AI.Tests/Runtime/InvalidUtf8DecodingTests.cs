using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// Byte-fallback tokens that do not form valid UTF-8 (random weights emit them; real models can) must not cut or
/// change the text that follows. Expected strings are written by hand from the tiny vocabulary: Hugging Face's
/// ByteFallback decoder turns a run of byte tokens that is not valid UTF-8 into one U+FFFD per byte.
/// </summary>
public sealed class InvalidUtf8DecodingTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly TinyVocabulary Vocabulary = new();

    public static TheoryData<TinyModelKind> Kinds => [TinyModelKind.PaliGemma1At224, TinyModelKind.PaliGemma2At224];

    private static int Id(string token) => Vocabulary.IdOf(token);

    /// <summary>[cat, 0xE2, 0x28, loc100, loc200, loc300, loc400, ▁dog]: 0xE2 starts a three-byte character but 0x28 is no continuation byte.</summary>
    private static int[] BrokenDetection =>
    [
        Id("cat"), Id("<0xE2>"), Id("<0x28>"), Id("<loc0100>"), Id("<loc0200>"), Id("<loc0300>"), Id("<loc0400>"),
        Id(TinyVocabulary.SpaceMarker + "dog"),
    ];

    private const string BrokenDetectionText = "cat\uFFFD\uFFFD<loc0100><loc0200><loc0300><loc0400> dog";

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decode_keeps_text_after_invalid_bytes(TinyModelKind kind)
    {
        Assert.Equal(BrokenDetectionText, fixture.Model(kind).Decode(BrokenDetection));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Streaming_keeps_text_after_invalid_bytes(TinyModelKind kind)
    {
        using PaliGemmaTextDecoder decoder = fixture.Model(kind).CreateTextDecoder();
        string streamed = string.Concat(BrokenDetection.Select(decoder.Append));
        Assert.Equal(BrokenDetectionText, streamed);
    }

    public static TheoryData<string[], string> Cases => new()
    {
        // A lone continuation byte, then a word.
        { ["<0x80>", "▁cat"], "\uFFFD cat" },
        // A truncated two-byte character before a location token.
        { ["<0xC3>", "<loc0007>"], "\uFFFD<loc0007>" },
        // A valid character followed by an invalid byte in the same run: the whole run is replaced byte by byte.
        { ["<0xC3>", "<0xA9>", "<0xFF>", "a"], "\uFFFD\uFFFD\uFFFDa" },
        // A valid three-byte character split over three tokens.
        { ["a", "<0xE6>", "<0x97>", "<0xA5>", "<seg005>"], "a日<seg005>" },
        // Overlong encoding of '/' and a surrogate encoding are invalid UTF-8.
        { ["<0xC0>", "<0xAF>", "<0xED>", "<0xA0>", "<0x80>", "x"], "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDx" },
        // An incomplete character at the very end.
        { ["dog", "<0xF0>", "<0x9F>"], "dog\uFFFD\uFFFD" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_replaces_each_byte_of_an_invalid_run(string[] tokens, string expected)
    {
        PaliGemmaModel model = fixture.Model(TinyModelKind.PaliGemma2At224);
        Assert.Equal(expected, model.Decode(tokens.Select(Id).ToArray()));
    }

    [Fact]
    public void Tiny_tokenizer_uses_our_detokeniser()
    {
        Assert.Null(fixture.Model(TinyModelKind.PaliGemma2At224).DecoderFallbackReason);
    }

    [Fact]
    public void An_unsupported_decoder_chain_falls_back_to_onnx_runtime_genai_and_says_why()
    {
        string folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
        try
        {
            // Gemma's chain plus a no-op Replace after Fuse with a two-character pattern, which the detokeniser does not
            // stream (a Regex pattern would be the obvious case, but then ONNX Runtime GenAI cannot encode either).
            string path = Path.Combine(folder, "tokenizer.json");
            string json = File.ReadAllText(path);
            const string fuse = "\"type\": \"Fuse\"";
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, fuse));
            File.WriteAllText(path, json.Replace(fuse, fuse + " }, { \"type\": \"Replace\", \"pattern\": { \"String\": \"zz\" }, \"content\": \"zz\"", StringComparison.Ordinal));

            using PaliGemmaModel model = PaliGemmaModel.Load(folder);
            Assert.Contains("after Fuse", model.DecoderFallbackReason, StringComparison.Ordinal);
            int[] ids = [Id("cat"), Id("<loc0100>"), Id(TinyVocabulary.SpaceMarker + "dog")];
            Assert.Equal("cat<loc0100> dog", model.Decode(ids));
            using PaliGemmaTextDecoder decoder = model.CreateTextDecoder();
            Assert.Equal("cat<loc0100> dog", string.Concat(ids.Select(decoder.Append)) + decoder.Flush());
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }
}
