using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Runtime.Detokenization;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary><see cref="Detokenizer"/> on hand-written <c>tokenizer.json</c> files: decoder chains, added tokens, errors.</summary>
public sealed class DetokenizerTests : IDisposable
{
    private const string LlamaDecoder = """
        {"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}
        """;

    private static readonly string[] Pieces = ["<unk>", "▁", "▁▁", "a", "▁hello", "world", "<0x41>", "<0xC3>", "<0xA9>", "<0xFF>", " ", "x▁"];

    private readonly TokenizerJsonFile _files = new();

    public void Dispose() => _files.Dispose();

    private static IEnumerable<KeyValuePair<string, int>> Vocab(params string[] pieces)
        => pieces.Select((piece, id) => KeyValuePair.Create(piece, id));

    private Detokenizer Load(string? decoder, params (int Id, string Content, bool Special)[] added)
    {
        string path = _files.Write(Vocab(Pieces), added, decoder);
        Detokenizer? detokenizer = Detokenizer.Load(path, _ => false, out string? unsupported);
        Assert.Null(unsupported);
        return Assert.IsType<Detokenizer>(detokenizer);
    }

    private static string Stream(Detokenizer detokenizer, IEnumerable<int> ids)
    {
        using DetokenizerStream stream = detokenizer.CreateStream();
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            text.Append(stream.Append(id));
        }

        return text.Append(stream.Flush()).ToString();
    }

    [Fact]
    public void Gemma_chain_turns_markers_into_spaces_and_bytes_into_text()
    {
        Detokenizer detokenizer = Load(TokenizerJsonFile.GemmaDecoder);
        int[] ids = [4, 1, 5, 6, 7, 8, 2, 3];
        Assert.Equal(" hello worldAé  a", detokenizer.Decode(ids));
        Assert.Equal(" hello worldAé  a", Stream(detokenizer, ids));
    }

    [Fact]
    public void Strip_after_fuse_removes_only_the_first_space_of_the_text()
    {
        Detokenizer detokenizer = Load(LlamaDecoder);
        int[] ids = [4, 1, 3];
        Assert.Equal("hello a", detokenizer.Decode(ids)); // "▁hello" "▁" "a" → " hello a" → strip one
        Assert.Equal("hello a", Stream(detokenizer, ids));
        Assert.Equal(" hello", detokenizer.Decode([1, 4])); // "  hello": only one space is stripped
        Assert.Equal(" hello", Stream(detokenizer, [1, 4]));
    }

    [Fact]
    public void Added_tokens_override_the_vocabulary_and_special_ones_are_dropped()
    {
        Detokenizer detokenizer = Load(TokenizerJsonFile.GemmaDecoder, (3, "<special>", true), (20, "<loc0001>", false), (21, "▁▁", false));
        Assert.Equal(22, detokenizer.Count);
        // An added token goes through the decoder chain like any other piece (Hugging Face semantics).
        Assert.Equal(" hello<loc0001>  ", detokenizer.Decode([4, 3, 20, 21, 15, -1, 99]));
    }

    [Fact]
    public void Special_tokens_between_bytes_do_not_split_the_byte_run()
    {
        Detokenizer detokenizer = Load(TokenizerJsonFile.GemmaDecoder, (3, "<eos>", true));
        Assert.Equal("é", detokenizer.Decode([7, 3, 8]));
        Assert.Equal("é", Stream(detokenizer, [7, 3, 8]));
    }

    [Fact]
    public void Streaming_holds_a_byte_run_back_until_it_ends()
    {
        Detokenizer detokenizer = Load(TokenizerJsonFile.GemmaDecoder);
        using DetokenizerStream stream = detokenizer.CreateStream();
        Assert.Equal(string.Empty, stream.Append(7));
        Assert.Equal(string.Empty, stream.Append(8));
        Assert.Equal("é a", stream.Append(1) + stream.Append(3));
        Assert.Equal(string.Empty, stream.Append(7));
        Assert.Equal("\uFFFD", stream.Flush());
        Assert.Equal(string.Empty, stream.Flush());
    }

    public static TheoryData<string, string> UnsupportedDecoders => new()
    {
        { """{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true}""", "Metaspace" },
        { """{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}""", "ByteLevel" },
        { """{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"Regex":" +"},"content":" "}]}""", "Regex" },
        { """{"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"ByteFallback"}]}""", "ByteFallback decoder after Fuse" },
        { """{"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"Replace","pattern":{"String":"ab"},"content":" "}]}""", "after Fuse" },
        { """{"type":"Strip","content":"ab","start":1,"stop":0}""", "Strip" },
        { """{"type":"Sequence"}""", "decoders" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedDecoders))]
    public void Unsupported_decoder_chains_are_reported_not_guessed(string decoder, string reason)
    {
        string path = _files.Write(Vocab(Pieces), [], decoder);
        Assert.Null(Detokenizer.Load(path, _ => false, out string? unsupported));
        Assert.Contains(reason, unsupported, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_decoder_or_a_non_bpe_vocabulary_is_unsupported()
    {
        Assert.Null(Detokenizer.Load(_files.Write(Vocab(Pieces), [], null), _ => false, out string? noDecoder));
        Assert.Contains("Null", noDecoder, StringComparison.Ordinal);
        string unigram = """{"decoder":{"type":"Fuse"},"model":{"type":"Unigram","vocab":[["a",0.0]]}}""";
        Assert.Null(Detokenizer.Load(_files.WriteText(unigram), _ => false, out string? notBpe));
        Assert.Contains("model.vocab", notBpe, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":{"vocab":{"a":-1}},"decoder":{"type":"Fuse"}}""", "-1")]
    [InlineData("""{"model":{"vocab":{"a":16777216}},"decoder":{"type":"Fuse"}}""", "16777216")]
    [InlineData("""{"model":{"vocab":{"a":"0"}},"decoder":{"type":"Fuse"}}""", "\"0\"")]
    [InlineData("""{"model":{"vocab":{"a":0}},"decoder":{"type":"Fuse"},"added_tokens":[{"content":"b"}]}""", "added_tokens")]
    [InlineData("""{"model": """, "JSON")]
    [InlineData("""[1, 2]""", "not a JSON object")]
    public void Malformed_files_throw_naming_the_file(string text, string detail)
    {
        string path = _files.WriteText(text);
        var ex = Assert.Throws<PaliGemmaModelException>(() => Detokenizer.Load(path, _ => false, out _));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Streaming_equals_batch_for_strip_before_and_after_fuse()
    {
        const string decoder = """
            {"type":"Sequence","decoders":[{"type":"Strip","content":"x","start":1,"stop":1},{"type":"Replace","pattern":{"String":"▁"},"content":" "},
            {"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":2,"stop":3}]}
            """;
        Detokenizer detokenizer = Load(decoder);
        Gen<int[]> ids = Gen.Choose(-1, Pieces.Length).ArrayOf();
        var replay = FSharpOption<Replay>.Some(new Replay(new Rnd(3UL, 5UL), FSharpOption<int>.None));
        Prop.ForAll(ids.ToArbitrary(), sequence => Stream(detokenizer, sequence) == detokenizer.Decode(sequence))
            .Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(10_000).WithReplay(replay));
    }
}
