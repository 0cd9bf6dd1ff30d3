namespace PaliGemma.ModelFormat;

/// <summary>The names and shape of the mask decoder graph (<see cref="ModelFileNames.MaskDecoder"/>): codes int64 [batch, 16] → logits float32 [batch, 64, 64].</summary>
public static class MaskDecoderGraphNames
{
    /// <summary>The input: <see cref="CodesPerMask"/> codebook indices per mask.</summary>
    public const string Codes = "codes";

    /// <summary>The output: <see cref="MaskSize"/> × <see cref="MaskSize"/> logits per mask (foreground where &gt; 0).</summary>
    public const string Logits = "logits";

    /// <summary>The model-metadata key that holds the codebook size.</summary>
    public const string CodebookSizeMetadataKey = "paligemma.mask_decoder.codebook_size";

    /// <summary>The number of codes that describe one mask (16 <c>&lt;segNNN&gt;</c> tokens).</summary>
    public const int CodesPerMask = 16;

    /// <summary>The side of the decoded logit grid.</summary>
    public const int MaskSize = 64;

    /// <summary>The codebook size when the graph has no metadata: PaliGemma's 128 <c>&lt;segNNN&gt;</c> tokens.</summary>
    public const int DefaultCodebookSize = PaliGemmaTokenIds.SegmentationTokenCount;
}
