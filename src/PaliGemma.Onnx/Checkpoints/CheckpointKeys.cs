namespace PaliGemma.Onnx.Checkpoints;

/// <summary>
/// Maps the tensor names of both Hugging Face PaliGemma key layouts onto the canonical layout
/// of <see cref="PaliGemmaTensorNames"/> (<c>vision_tower.…</c>, <c>multi_modal_projector.…</c>, <c>language_model.model.…</c>,
/// <c>language_model.lm_head.weight</c>).
/// </summary>
public static class CheckpointKeys
{
    private const string NewLanguageModel = "model.language_model.";
    private const string NewVisionTower = "model.vision_tower.";
    private const string NewProjector = "model.multi_modal_projector.";
    private const string NewLmHead = "lm_head.weight";

    /// <summary>Returns the canonical name of a stored tensor name; names of the old layout are returned unchanged.</summary>
    /// <param name="storedName">The name as found in the safetensors header.</param>
    public static string Canonicalize(string storedName)
    {
        ArgumentNullException.ThrowIfNull(storedName);
        if (storedName.StartsWith(NewLanguageModel, StringComparison.Ordinal))
        {
            return PaliGemmaTensorNames.Text + storedName[NewLanguageModel.Length..];
        }

        if (storedName.StartsWith(NewVisionTower, StringComparison.Ordinal))
        {
            return PaliGemmaTensorNames.VisionTower + storedName[NewVisionTower.Length..];
        }

        if (storedName.StartsWith(NewProjector, StringComparison.Ordinal))
        {
            return PaliGemmaTensorNames.Projector + storedName[NewProjector.Length..];
        }

        if (string.Equals(storedName, NewLmHead, StringComparison.Ordinal))
        {
            return PaliGemmaTensorNames.LmHead;
        }

        return storedName;
    }

    /// <summary>Returns the name a canonical tensor has in the newer (<c>model.language_model.…</c>) layout.</summary>
    /// <param name="canonicalName">A canonical name.</param>
    public static string ToNewLayout(string canonicalName)
    {
        ArgumentNullException.ThrowIfNull(canonicalName);
        if (canonicalName.StartsWith(PaliGemmaTensorNames.Text, StringComparison.Ordinal))
        {
            return NewLanguageModel + canonicalName[PaliGemmaTensorNames.Text.Length..];
        }

        if (canonicalName.StartsWith(PaliGemmaTensorNames.VisionTower, StringComparison.Ordinal)
            || canonicalName.StartsWith(PaliGemmaTensorNames.Projector, StringComparison.Ordinal))
        {
            return "model." + canonicalName;
        }

        if (string.Equals(canonicalName, PaliGemmaTensorNames.LmHead, StringComparison.Ordinal))
        {
            return NewLmHead;
        }

        return canonicalName;
    }
}
