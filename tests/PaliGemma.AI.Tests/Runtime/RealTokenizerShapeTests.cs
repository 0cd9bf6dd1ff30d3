using System.Diagnostics;
using PaliGemma.AI.Runtime.Detokenization;
using Xunit.Abstractions;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// A <c>tokenizer.json</c> with the released PaliGemma layout (257152 vocabulary entries, byte tokens, special
/// added tokens 0–107 and <c>&lt;image&gt;</c> 257152, non-special <c>&lt;locNNNN&gt;</c>/<c>&lt;segNNN&gt;</c>, Gemma's
/// decoder chain) and a model vocabulary of 257216 (ids past the tokenizer are padding rows).
/// </summary>
public sealed class RealTokenizerShapeTests(ITestOutputHelper output) : IDisposable
{
    private const int LocStart = 256000;
    private const int SegStart = 257024;
    private const int ImageId = 257152;
    private const int FirstByte = 238;

    private readonly TokenizerJsonFile _files = new();

    public void Dispose() => _files.Dispose();

    private static string Piece(int id) => id switch
    {
        0 => "<pad>",
        1 => "<eos>",
        2 => "<bos>",
        3 => "<unk>",
        < 108 => $"<unused{id}>",
        108 => "\n",
        >= FirstByte and < FirstByte + 256 => $"<0x{id - FirstByte:X2}>",
        >= SegStart => $"<seg{id - SegStart:000}>",
        >= LocStart => $"<loc{id - LocStart:0000}>",
        _ => $"▁w{id}",
    };

    [Fact]
    public void Released_layout_loads_and_decodes_detection_output()
    {
        var vocab = Enumerable.Range(0, ImageId).Select(id => KeyValuePair.Create(Piece(id), id));
        var added = Enumerable.Range(0, 108).Select(id => (id, Piece(id), true))
            .Concat(Enumerable.Range(LocStart, ImageId - LocStart).Select(id => (id, Piece(id), false)))
            .Append((ImageId, "<image>", true));
        string path = _files.Write(vocab, added, TokenizerJsonFile.GemmaDecoder);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Detokenizer? detokenizer = Detokenizer.Load(path, id => id is 0 or 1 or 2, out string? unsupported);
        clock.Stop();
        output.WriteLine($"tokenizer.json {new FileInfo(path).Length / 1e6:F1} MB: loaded in {clock.ElapsedMilliseconds} ms, {(GC.GetAllocatedBytesForCurrentThread() - before) / 1e6:F0} MB allocated");

        Assert.Null(unsupported);
        Assert.NotNull(detokenizer);
        Assert.Equal(ImageId + 1, detokenizer.Count);
        int[] ids =
        [
            ImageId, 2, LocStart + 12, LocStart + 1023, LocStart + 512, LocStart + 7, 1000, FirstByte + 0xC3, FirstByte + 0xA9,
            4, SegStart + 127, 108, FirstByte + 0xE2, FirstByte + 0x28, LocStart, 257200, 1,
        ];
        const string expected = "<loc0012><loc1023><loc0512><loc0007> w1000é<seg127>\n\uFFFD\uFFFD<loc0000>";
        Assert.Equal(expected, detokenizer.Decode(ids));
        using DetokenizerStream stream = detokenizer.CreateStream();
        Assert.Equal(expected, string.Concat(ids.Select(stream.Append)) + stream.Flush());
    }
}
