using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.AI.Runtime.Detokenization;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// The folder's tokenizer. Encoding uses ONNX Runtime GenAI's tokenizer, configured to add no special tokens.
/// Decoding uses <see cref="Detokenizer"/>, built from <c>tokenizer.json</c> (Hugging Face semantics; ONNX Runtime
/// GenAI 0.18 cuts or corrupts text after byte tokens that are not valid UTF-8, and 0.20.0 still does); only when the file's decoder
/// chain is of a kind <see cref="Detokenizer"/> does not implement does decoding fall back to ONNX Runtime GenAI
/// (see <see cref="DecoderFallbackReason"/>). Added tokens such as <c>&lt;locNNNN&gt;</c> and
/// <c>&lt;segNNN&gt;</c> are kept; special tokens and the manifest's padding, begin- and end-of-sequence ids are
/// dropped. Native calls are serialised by a lock.
/// </summary>
internal sealed class ModelTokenizer : IDisposable
{
    private readonly Tokenizer _tokenizer;
    private readonly PaliGemmaTokenIds _ids;
    private readonly Lock _gate = new();
    private Detokenizer? _detokenizer;

    private ModelTokenizer(Tokenizer tokenizer, PaliGemmaTokenIds ids)
    {
        _tokenizer = tokenizer;
        _ids = ids;
    }

    /// <summary>Why decoding uses ONNX Runtime GenAI's decoder instead of <see cref="Detokenizer"/>; null when it does not.</summary>
    public string? DecoderFallbackReason { get; private set; }

    /// <summary>Creates the tokenizer and checks that its ids agree with the manifest.</summary>
    public static ModelTokenizer Create(Model model, ModelFolder folder)
    {
        Tokenizer? tokenizer = null;
        try
        {
            tokenizer = GenAiObjects.CreateTokenizer(model);
            tokenizer.UpdateOptions(new Dictionary<string, string>
            {
                ["add_special_tokens"] = "false",
                ["skip_special_tokens"] = "false",
            });
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            tokenizer?.Dispose();
            throw new PaliGemmaModelException(folder.TokenizerPath, $"ONNX Runtime GenAI cannot load the tokenizer (tokenizer.json with tokenizer_config.json): {ex.Message}", ex);
        }

        var result = new ModelTokenizer(tokenizer, folder.Manifest.TokenIds);
        try
        {
            result.CheckIds(folder);
            result._detokenizer = Detokenizer.Load(folder.TokenizerPath, result.IsDropped, out string? unsupported);
            result.DecoderFallbackReason = unsupported;
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>True for ids that decoding drops: padding, begin- and end-of-sequence.</summary>
    public bool IsDropped(int id) => id == _ids.Pad || id == _ids.Bos || id == _ids.Eos;

    /// <summary>Encodes plain text without special tokens.</summary>
    public int[] Encode(string text)
    {
        lock (_gate)
        {
            using Sequences sequences = _tokenizer.Encode(text);
            return sequences[0].ToArray();
        }
    }

    /// <summary>Decodes ids, dropping padding, begin- and end-of-sequence ids.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        if (_detokenizer is not null)
        {
            return _detokenizer.Decode(ids);
        }

        int[] kept = new int[ids.Length];
        int count = 0;
        foreach (int id in ids)
        {
            if (!IsDropped(id))
            {
                kept[count++] = id;
            }
        }

        if (count == 0)
        {
            return string.Empty;
        }

        lock (_gate)
        {
            return _tokenizer.Decode(kept.AsSpan(0, count));
        }
    }

    /// <summary>Creates a streaming detokeniser whose pieces concatenate to <see cref="Decode"/> of the same ids.</summary>
    public ITextStream CreateStream()
    {
        if (_detokenizer is not null)
        {
            return _detokenizer.CreateStream();
        }

        lock (_gate)
        {
            return new GenAiTextStream(_tokenizer.CreateStream(), IsDropped);
        }
    }

    /// <summary>Disposes the native tokenizer.</summary>
    public void Dispose() => _tokenizer.Dispose();

    private void CheckIds(ModelFolder folder)
    {
        void Expect(string text, int expected, string key)
        {
            int[] actual;
            try
            {
                actual = Encode(text);
            }
            catch (OnnxRuntimeGenAIException ex)
            {
                throw new PaliGemmaModelException(folder.TokenizerPath, $"the tokenizer fails to encode {Show(text)}: {ex.Message}", ex);
            }

            if (actual.Length != 1 || actual[0] != expected)
            {
                throw new PaliGemmaModelException(
                    folder.TokenizerPath,
                    $"the tokenizer encodes {Show(text)} as [{string.Join(", ", actual)}], but the manifest's token_ids.{key} is {expected}; the tokenizer and {PaliGemmaManifest.FileName} disagree.",
                    null);
            }
        }

        Expect("<bos>", _ids.Bos, "bos");
        Expect("<eos>", _ids.Eos, "eos");
        Expect("<image>", _ids.Image, "image");
        Expect("\n", _ids.Newline, "newline");
        Expect("<loc0000>", _ids.LocStart, "loc_start");
        Expect("<loc1023>", _ids.LocStart + PaliGemmaTokenIds.LocationTokenCount - 1, "loc_start (+1023 for <loc1023>)");
        Expect("<seg000>", _ids.SegStart, "seg_start");
        Expect("<seg127>", _ids.SegStart + PaliGemmaTokenIds.SegmentationTokenCount - 1, "seg_start (+127 for <seg127>)");
    }

    private static string Show(string text) => text == "\n" ? "\"\\n\"" : $"\"{text}\"";
}
