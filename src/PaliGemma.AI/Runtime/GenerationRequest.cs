using System.Globalization;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// The validated arguments of one <see cref="PaliGemmaModel.Generate"/> call: prompt ids copied, feature rows
/// matched to the <c>&lt;image&gt;</c> ids, settings in range, and the generator's total length limit.
/// </summary>
internal sealed record GenerationRequest(
    ReadOnlyMemory<float> Features,
    int[] PromptIds,
    int MaxNewTokens,
    int MaxLength,
    PaliGemmaGenerationSettings Settings)
{
    /// <summary>Starts the walk through the request's grammar, or returns null when it is unconstrained.</summary>
    public Constraints.ConstraintState? StartConstraint() => Settings.Constraint?.Grammar.Start(MaxNewTokens);

    /// <summary>Validates the arguments; every problem is an <see cref="ArgumentException"/> naming the value.</summary>
    public static GenerationRequest Create(
        PaliGemmaManifest manifest,
        ReadOnlyMemory<float> features,
        IReadOnlyList<int> promptIds,
        PaliGemmaGenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(settings);
        Validate(settings);

        if (settings.TopK > manifest.VocabSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"TopK is {settings.TopK}; it cannot exceed the vocabulary size {manifest.VocabSize}."), nameof(settings));
        }

        if (settings.Adapter is { } adapter && manifest.Files.Adapters?.Any(a => string.Equals(a.Name, adapter, StringComparison.Ordinal)) != true)
        {
            string known = manifest.Files.Adapters is { Count: > 0 } list ? string.Join(", ", list.Select(a => $"'{a.Name}'")) : "none";
            throw new ArgumentException($"Adapter '{adapter}' is not one of this model's run-time adapters ({known}).", nameof(settings));
        }

        if (promptIds.Count == 0)
        {
            throw new ArgumentException("The prompt is empty; it needs at least the <bos> token.", nameof(promptIds));
        }

        int cap = manifest.MaxSequenceLength;
        if (promptIds.Count >= cap)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The prompt has {promptIds.Count} tokens, but the model's max_sequence_length is {cap} (prompt plus generated tokens); shorten the prompt."),
                nameof(promptIds));
        }

        int[] ids = [.. promptIds];
        int vocab = manifest.VocabSize;
        int imageTokens = 0;
        foreach (int id in ids)
        {
            if (id < 0 || id >= vocab)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Prompt token id {id} is outside the vocabulary [0, {vocab})."), nameof(promptIds));
            }

            if (id == manifest.TokenIds.Image)
            {
                imageTokens++;
            }
        }

        int hidden = manifest.TextHiddenSize;
        if (features.Length % hidden != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"imageFeatures has {features.Length} values, not a multiple of the text hidden size {hidden}."), "imageFeatures");
        }

        int rows = features.Length / hidden;
        if (rows != imageTokens)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"imageFeatures has {rows} rows but the prompt has {imageTokens} <image> tokens; they must match (one row per <image> token)."),
                "imageFeatures");
        }

        if (settings.Constraint is { } constraint && !string.Equals(constraint.ModelId, manifest.ModelId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The output constraint was created by the model '{constraint.ModelId}', not by '{manifest.ModelId}'; create it with this model's CreateOutputConstraint (token ids differ between tokenizers).",
                nameof(settings));
        }

        int maxLength = (int)Math.Min((long)ids.Length + settings.MaxNewTokens, cap);
        return new GenerationRequest(features, ids, maxLength - ids.Length, maxLength, settings);
    }

    /// <summary>Checks the settings' ranges.</summary>
    public static void Validate(PaliGemmaGenerationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.MaxNewTokens < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MaxNewTokens is {settings.MaxNewTokens}; it must be at least 1."), nameof(settings));
        }

        if (!(settings.Temperature >= 0f) || float.IsInfinity(settings.Temperature))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Temperature is {settings.Temperature}; it must be 0 (greedy) or a finite positive number."), nameof(settings));
        }

        if (settings.TopK < 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"TopK is {settings.TopK}; it must be 0 (no limit) or positive."), nameof(settings));
        }

        if (!(settings.TopP > 0f && settings.TopP <= 1f))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"TopP is {settings.TopP}; it must be in (0, 1]."), nameof(settings));
        }
    }
}
