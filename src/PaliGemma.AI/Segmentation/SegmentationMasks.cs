using PaliGemma.ModelFormat;

namespace PaliGemma.AI;

/// <summary>Attaches decoded masks to parsed segmentation results.</summary>
public static class SegmentationMasks
{
    /// <summary>
    /// Decodes the mask of every object and returns copies with <see cref="SegmentedObject.Mask"/> set.
    /// An object whose codes are malformed (not exactly 16, or outside the decoder's codebook) or whose box
    /// has a non-finite coordinate keeps a <see langword="null"/> mask; no exception is thrown for it.
    /// </summary>
    /// <param name="objects">The objects from <see cref="PaliGemmaOutputParser.ParseSegments"/>.</param>
    /// <param name="decoder">The mask decoder of the model folder.</param>
    /// <param name="imageWidth">The original image's width in pixels.</param>
    /// <param name="imageHeight">The original image's height in pixels.</param>
    /// <returns>The objects in the same order, with masks where they could be made.</returns>
    public static IReadOnlyList<SegmentedObject> Attach(IReadOnlyList<SegmentedObject> objects, MaskDecoder decoder, int imageWidth, int imageHeight)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        if ((long)imageWidth * imageHeight > SegmentationMask.MaxImagePixels)
        {
            throw new ArgumentOutOfRangeException(nameof(imageWidth), $"The image {imageWidth}×{imageHeight} exceeds {SegmentationMask.MaxImagePixels} pixels.");
        }

        var result = new SegmentedObject[objects.Count];
        for (int i = 0; i < objects.Count; i++)
        {
            SegmentedObject item = objects[i] ?? throw new ArgumentException($"Object {i} is null.", nameof(objects));
            result[i] = item with { Mask = TryMask(item, decoder, imageWidth, imageHeight) };
        }

        return result;
    }

    private static SegmentationMask? TryMask(SegmentedObject item, MaskDecoder decoder, int width, int height)
    {
        IReadOnlyList<int>? tokens = item.MaskTokens;
        if (tokens is null || tokens.Count != MaskDecoderGraphNames.CodesPerMask)
        {
            return null;
        }

        Span<int> codes = stackalloc int[MaskDecoderGraphNames.CodesPerMask];
        for (int i = 0; i < codes.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)decoder.CodebookSize)
            {
                return null;
            }

            codes[i] = tokens[i];
        }

        BoundingBox box = item.Box;
        if (!float.IsFinite(box.Left) || !float.IsFinite(box.Top) || !float.IsFinite(box.Right) || !float.IsFinite(box.Bottom))
        {
            return null;
        }

        float[] logits = decoder.DecodeLogits(codes);
        return SegmentationMask.FromLogits(logits, box, width, height);
    }
}
