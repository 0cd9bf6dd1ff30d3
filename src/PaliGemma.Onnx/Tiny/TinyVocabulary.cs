using PaliGemma.ModelFormat;

namespace PaliGemma.Onnx.Tiny;

/// <summary>
/// The vocabulary of the tiny Gemma-style tokenizer. Ids 0–108 follow Gemma's layout (pad 0, eos 1, bos 2,
/// unk 3, mask 4, <c>[multimodal]</c> 5, <c>&lt;unused0..99&gt;</c> 6–105, <c>&lt;start_of_turn&gt;</c> 106,
/// <c>&lt;end_of_turn&gt;</c> 107, <c>"\n"</c> 108); then the 256 byte tokens, characters and a small English
/// word list with the merges that build it; then <c>&lt;loc0000..1023&gt;</c>, <c>&lt;seg000..127&gt;</c> and
/// <c>&lt;image&gt;</c> as in PaliGemma.
/// </summary>
public sealed class TinyVocabulary
{
    /// <summary>The SentencePiece word-boundary marker.</summary>
    public const string SpaceMarker = "\u2581";

    private static readonly string[] Words =
    [
        "a", "an", "the", "of", "in", "on", "at", "to", "and", "or", "is", "are", "it", "this", "that", "there",
        "what", "where", "how", "many", "which", "who", "color", "colour", "image", "picture", "photo",
        "caption", "describe", "detect", "segment", "answer", "question", "ocr", "en", "de", "fr", "es",
        "cat", "cats", "dog", "dogs", "car", "cars", "person", "people", "man", "woman", "child", "tree", "house",
        "bird", "horse", "sky", "road", "table", "chair", "cup", "bottle", "sign", "text", "red", "green", "blue",
        "white", "black", "yellow", "small", "large", "big", "one", "two", "three", "with", "sitting", "standing",
        "yes", "no",
    ];

    private static readonly string Characters =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789;:?!.,'\"-()/";

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];
    private readonly List<(string Left, string Right)> _merges = [];
    private readonly Dictionary<(string Left, string Right), int> _mergeRanks = [];

    /// <summary>Builds the vocabulary.</summary>
    public TinyVocabulary()
    {
        foreach (string special in new[] { "<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "[multimodal]" })
        {
            Add(special);
        }

        for (int i = 0; i < 100; i++)
        {
            Add($"<unused{i}>");
        }

        Add("<start_of_turn>");
        Add("<end_of_turn>");
        Add("\n");
        for (int b = 0; b < 256; b++)
        {
            Add($"<0x{b:X2}>");
        }

        Add(SpaceMarker);
        foreach (char c in Characters)
        {
            Add(c.ToString());
        }

        foreach (string word in Words)
        {
            AddWord(word);
            AddWord(SpaceMarker + word);
        }

        BaseCount = _tokens.Count;
        LocStart = _tokens.Count;
        for (int i = 0; i < PaliGemmaTokenIds.LocationTokenCount; i++)
        {
            Add($"<loc{i:D4}>");
        }

        SegStart = _tokens.Count;
        for (int i = 0; i < PaliGemmaTokenIds.SegmentationTokenCount; i++)
        {
            Add($"<seg{i:D3}>");
        }

        ImageId = Add("<image>");
    }

    /// <summary>Gets every token, indexed by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Gets the BPE merges, highest priority first.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _merges;

    /// <summary>Gets the number of tokens before the location tokens.</summary>
    public int BaseCount { get; }

    /// <summary>Gets the id of <c>&lt;loc0000&gt;</c>.</summary>
    public int LocStart { get; }

    /// <summary>Gets the id of <c>&lt;seg000&gt;</c>.</summary>
    public int SegStart { get; }

    /// <summary>Gets the id of <c>&lt;image&gt;</c>.</summary>
    public int ImageId { get; }

    /// <summary>Gets the id of <c>"\n"</c> (108, as in Gemma).</summary>
    public int NewlineId => _ids["\n"];

    /// <summary>Gets the id of <c>&lt;end_of_turn&gt;</c> (107, as in Gemma).</summary>
    public int EndOfTurnId => _ids["<end_of_turn>"];

    /// <summary>Gets the total token count.</summary>
    public int Count => _tokens.Count;

    /// <summary>Returns whether a token is a control token that decoding should drop (pad, eos, bos, unk, mask, unused, turn markers, image).</summary>
    /// <param name="id">The token id.</param>
    public bool IsSpecial(int id) => id < NewlineId || id == ImageId;

    /// <summary>Returns the id of a token.</summary>
    /// <param name="token">The token text.</param>
    public int IdOf(string token) => _ids[token];

    private int Add(string token)
    {
        if (_ids.TryGetValue(token, out int existing))
        {
            return existing;
        }

        _ids.Add(token, _tokens.Count);
        _tokens.Add(token);
        return _tokens.Count - 1;
    }

    private void AddWord(string word)
    {
        // Grow the merge list until byte-pair encoding with all merges so far turns the word into one token.
        // New merges have the lowest priority, so words added earlier keep their single-token encoding.
        List<string> pieces = Segment(word);
        while (pieces.Count > 1)
        {
            _merges.Add((pieces[0], pieces[1]));
            _mergeRanks[(pieces[0], pieces[1])] = _merges.Count - 1;
            Add(pieces[0] + pieces[1]);
            pieces = Segment(word);
        }
    }

    /// <summary>Byte-pair encodes a word made of vocabulary characters: repeatedly merge the best-ranked adjacent pair.</summary>
    private List<string> Segment(string word)
    {
        var pieces = word.Select(c => c.ToString()).ToList();
        while (true)
        {
            int best = -1;
            int bestRank = int.MaxValue;
            for (int i = 0; i + 1 < pieces.Count; i++)
            {
                if (_mergeRanks.TryGetValue((pieces[i], pieces[i + 1]), out int rank) && rank < bestRank)
                {
                    best = i;
                    bestRank = rank;
                }
            }

            if (best < 0)
            {
                return pieces;
            }

            pieces[best] += pieces[best + 1];
            pieces.RemoveAt(best + 1);
        }
    }
}
