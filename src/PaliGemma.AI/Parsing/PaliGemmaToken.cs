namespace PaliGemma.AI;

/// <summary>The kinds of piece <see cref="PaliGemmaTokenizer"/> splits generated text into.</summary>
internal enum PaliGemmaTokenKind
{
    /// <summary>A run of ordinary text (anything that is not a valid location or segmentation token).</summary>
    Text,

    /// <summary>A location token <c>&lt;locNNNN&gt;</c>; the value is the bin 0..1023.</summary>
    Location,

    /// <summary>A segmentation token <c>&lt;segNNN&gt;</c>; the value is the VQ-VAE code 0..127.</summary>
    Segmentation,
}

/// <summary>One piece of generated text.</summary>
/// <param name="Kind">What the piece is.</param>
/// <param name="Value">The location bin or segmentation code; -1 for text.</param>
/// <param name="Start">Offset of the piece in the text, in characters.</param>
/// <param name="Length">Length of the piece, in characters.</param>
internal readonly record struct PaliGemmaToken(PaliGemmaTokenKind Kind, int Value, int Start, int Length);
