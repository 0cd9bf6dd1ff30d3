using PaliGemma.AI;

namespace Microsoft.Extensions.AI;

/// <summary>PaliGemma-specific settings carried in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
public static class PaliGemmaChatOptionsExtensions
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key under which the typed task is stored.</summary>
    public const string TaskPropertyName = "paligemma.task";

    /// <summary>
    /// Chooses the PaliGemma task with a typed value instead of prompt text. The user message's text must then be
    /// empty or equal to <see cref="PaliGemmaTask.ToPrompt"/>.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="task">The task, for example <c>PaliGemmaPrompt.Detect(["cat", "dog"])</c>.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithPaliGemmaTask(this ChatOptions options, PaliGemmaTask task)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(task);
        options.AdditionalProperties ??= [];
        options.AdditionalProperties[TaskPropertyName] = task;
        return options;
    }

    /// <summary>Gets the typed task set with <see cref="WithPaliGemmaTask"/>, if any.</summary>
    /// <param name="options">The options to read, or <see langword="null"/>.</param>
    /// <returns>The task, or <see langword="null"/> when none is set.</returns>
    /// <exception cref="ArgumentException">The property holds something other than a <see cref="PaliGemmaTask"/>.</exception>
    public static PaliGemmaTask? GetPaliGemmaTask(this ChatOptions? options)
    {
        if (options?.AdditionalProperties is null ||
            !options.AdditionalProperties.TryGetValue(TaskPropertyName, out var value) ||
            value is null)
        {
            return null;
        }

        return value as PaliGemmaTask ?? throw new ArgumentException(
            $"ChatOptions.AdditionalProperties[\"{TaskPropertyName}\"] holds a {value.GetType().Name}; it must be a {nameof(PaliGemmaTask)} (use {nameof(WithPaliGemmaTask)}).",
            nameof(options));
    }
}
