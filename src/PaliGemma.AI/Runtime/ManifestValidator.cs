using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>Checks a manifest's values for consistency before any file is opened.</summary>
internal static class ManifestValidator
{
    /// <summary>Throws <see cref="PaliGemmaModelException"/> naming <paramref name="manifestPath"/> and the first bad value.</summary>
    public static void Validate(PaliGemmaManifest manifest, string manifestPath)
    {
        void Fail(string message) => throw new PaliGemmaModelException(manifestPath, message, null);

        if (manifest.FormatVersion is < PaliGemmaManifest.MinimumFormatVersion or > PaliGemmaManifest.CurrentFormatVersion)
        {
            Fail($"format_version {manifest.FormatVersion} is not supported; this library reads format_version {PaliGemmaManifest.MinimumFormatVersion} to {PaliGemmaManifest.CurrentFormatVersion}.");
        }

        if (string.IsNullOrWhiteSpace(manifest.ModelId))
        {
            Fail("model_id is empty.");
        }

        if (!PaliGemmaManifest.Architectures.Contains(manifest.Architecture, StringComparer.Ordinal))
        {
            Fail($"architecture '{manifest.Architecture}' is unknown; expected one of {string.Join(", ", PaliGemmaManifest.Architectures)}.");
        }

        if (!PaliGemmaManifest.Precisions.Contains(manifest.Precision, StringComparer.Ordinal))
        {
            Fail($"precision '{manifest.Precision}' is unknown; expected one of {string.Join(", ", PaliGemmaManifest.Precisions)}.");
        }

        if (manifest.ImageSize <= 0 || manifest.PatchSize <= 0 || manifest.ImageSize % manifest.PatchSize != 0)
        {
            Fail($"image_size {manifest.ImageSize} must be a positive multiple of patch_size {manifest.PatchSize}.");
        }

        int perSide = manifest.ImageSize / manifest.PatchSize;
        if (manifest.NumImageTokens != perSide * perSide)
        {
            Fail($"num_image_tokens is {manifest.NumImageTokens}, but image_size {manifest.ImageSize} / patch_size {manifest.PatchSize} gives {perSide * perSide}.");
        }

        if (manifest.TextHiddenSize <= 0)
        {
            Fail($"text_hidden_size {manifest.TextHiddenSize} must be positive.");
        }

        if (manifest.VocabSize <= 0)
        {
            Fail($"vocab_size {manifest.VocabSize} must be positive.");
        }

        if (manifest.MaxSequenceLength <= manifest.NumImageTokens + 2)
        {
            Fail($"max_sequence_length {manifest.MaxSequenceLength} leaves no room for a prompt after {manifest.NumImageTokens} image tokens.");
        }

        ValidateTokenIds(manifest.TokenIds, manifest.VocabSize, Fail);

        // The serializer leaves a reference-typed key that is absent or JSON null as null (found by fuzzing: a
        // NullReferenceException escaped from here); every such key is refused by name.
        if (manifest.Files is null)
        {
            Fail("files is missing or null; it names the model's files (see docs/model-format.md).");
        }

        if (manifest.ImageMean is null || manifest.ImageStd is null || manifest.ImageMean.Count != 3 || manifest.ImageStd.Count != 3 || manifest.ImageStd.Any(s => !(s > 0f)))
        {
            Fail("image_mean and image_std must have 3 values each, and every std must be positive.");
        }
    }

    private static void ValidateTokenIds(PaliGemmaTokenIds? ids, int vocab, Action<string> fail)
    {
        if (ids is null)
        {
            fail("token_ids is missing.");
            return;
        }

        void InVocab(string name, int id, int count = 1)
        {
            if (id < 0 || (long)id + count > vocab)
            {
                fail(count == 1
                    ? $"token_ids.{name} = {id} is outside the vocabulary [0, {vocab})."
                    : $"token_ids.{name} = {id} plus {count} tokens runs past the vocabulary size {vocab}.");
            }
        }

        InVocab("pad", ids.Pad);
        InVocab("eos", ids.Eos);
        InVocab("bos", ids.Bos);
        InVocab("image", ids.Image);
        InVocab("newline", ids.Newline);
        InVocab("loc_start", ids.LocStart, PaliGemmaTokenIds.LocationTokenCount);
        InVocab("seg_start", ids.SegStart, PaliGemmaTokenIds.SegmentationTokenCount);
        if (ids.ExtraStop is null)
        {
            fail("token_ids.extra_stop is missing or null; write [] when the model has no extra stop tokens.");
            return;
        }

        foreach (int stop in ids.ExtraStop)
        {
            InVocab("extra_stop", stop);
        }

        if (ids.Eos == ids.Bos || ids.Image == ids.Bos || ids.Image == ids.Eos)
        {
            fail($"token_ids must give bos ({ids.Bos}), eos ({ids.Eos}) and image ({ids.Image}) distinct ids.");
        }
    }
}
