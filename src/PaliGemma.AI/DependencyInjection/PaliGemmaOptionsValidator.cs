using Microsoft.Extensions.Options;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI;

/// <summary>Checks <see cref="PaliGemmaOptions"/> before the model is loaded, with messages naming the bad setting.</summary>
internal sealed class PaliGemmaOptionsValidator : IValidateOptions<PaliGemmaOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PaliGemmaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            failures.Add("PaliGemma:ModelPath is not set. Set it to a PaliGemma model folder (the folder holding paligemma.json).");
        }
        else if (!Directory.Exists(options.ModelPath))
        {
            failures.Add($"PaliGemma:ModelPath '{options.ModelPath}' does not exist or is not a folder.");
        }
        else if (!File.Exists(Path.Combine(options.ModelPath, PaliGemmaManifest.FileName)))
        {
            failures.Add($"PaliGemma:ModelPath '{options.ModelPath}' holds no {PaliGemmaManifest.FileName}; it is not a PaliGemma model folder.");
        }

        if (options.ExecutionProvider is not ("cpu" or "cuda"))
        {
            failures.Add($"PaliGemma:ExecutionProvider '{options.ExecutionProvider}' is not supported; use 'cpu' or 'cuda'.");
        }

        if (options.IntraOpNumThreads is < 1)
        {
            failures.Add($"PaliGemma:IntraOpNumThreads must be at least 1 (or unset), not {options.IntraOpNumThreads}.");
        }

        if (options.MaxConcurrency < 0)
        {
            failures.Add($"PaliGemma:MaxConcurrency must be 0 (automatic) or at least 1, not {options.MaxConcurrency}.");
        }

        if (options.MaxBatchSize < 1)
        {
            failures.Add($"PaliGemma:MaxBatchSize must be at least 1 (1 turns batching off), not {options.MaxBatchSize}.");
        }

        if (options.MaxQueueLength is < 0)
        {
            failures.Add($"PaliGemma:MaxQueueLength must be at least 0 (or unset for no limit), not {options.MaxQueueLength}.");
        }

        if (options.ImageFeatureCacheCapacity < 0)
        {
            failures.Add($"PaliGemma:ImageFeatureCacheCapacity must be at least 0 (0 disables the cache), not {options.ImageFeatureCacheCapacity}.");
        }

        if (options.MaxImageBytes is < 1)
        {
            failures.Add($"PaliGemma:MaxImageBytes must be at least 1 (or unset), not {options.MaxImageBytes}.");
        }

        if (options.MaxImagePixels is < 1)
        {
            failures.Add($"PaliGemma:MaxImagePixels must be at least 1 (or unset), not {options.MaxImagePixels}.");
        }

        try
        {
            Microsoft.Extensions.DependencyInjection.PaliGemmaServiceCollectionExtensions.CreateImageSourceOptions(options).Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add($"PaliGemma image sources (AllowFileImages, AllowedImageRoots, AllowedImageHosts, RemoteImageTimeout): {ex.Message}");
        }

        if (options.VisionMaxOutputTokens < 1)
        {
            failures.Add($"PaliGemma:VisionMaxOutputTokens must be at least 1, not {options.VisionMaxOutputTokens}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
