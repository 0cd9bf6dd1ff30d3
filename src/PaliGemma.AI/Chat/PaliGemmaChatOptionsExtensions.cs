using PaliGemma.AI;
using PaliGemma.AI.Constraints;
using PaliGemma.AI.Runtime;

namespace Microsoft.Extensions.AI;

/// <summary>PaliGemma-specific settings carried in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
public static class PaliGemmaChatOptionsExtensions
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key under which the typed task is stored.</summary>
    public const string TaskPropertyName = "paligemma.task";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the per-request constrained-decoding switch.</summary>
    public const string ConstrainedDecodingPropertyName = "paligemma.constrained";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the allowed answers of an answer task.</summary>
    public const string AllowedAnswersPropertyName = "paligemma.allowed_answers";

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
        return Set(options, TaskPropertyName, task);
    }

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key under which the run-time adapter name is stored.</summary>
    public const string AdapterPropertyName = "paligemma.adapter";

    /// <summary>
    /// Runs this request with one of the model's run-time LoRA adapters (<see cref="PaliGemmaModel.AdapterNames"/>, converted
    /// with <c>paligemma convert --lora-adapter NAME=DIR</c>); without it the request runs the base model. An unknown name
    /// fails the request with an <see cref="ArgumentException"/> naming it.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="adapter">The adapter name.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithPaliGemmaAdapter(this ChatOptions options, string adapter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(adapter);
        return Set(options, AdapterPropertyName, adapter);
    }

    /// <summary>Gets the adapter name set with <see cref="WithPaliGemmaAdapter"/> (or a string stored under <see cref="AdapterPropertyName"/>), if any.</summary>
    /// <param name="options">The options to read, or <see langword="null"/>.</param>
    /// <returns>The adapter name, or <see langword="null"/> for the base model.</returns>
    /// <exception cref="ArgumentException">The property holds something other than a non-empty string.</exception>
    public static string? GetPaliGemmaAdapter(this ChatOptions? options)
    {
        if (Get(options, AdapterPropertyName) is not { } value)
        {
            return null;
        }

        object? text = value is System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json ? json.GetString() : value;
        return text is string { Length: > 0 } name && !string.IsNullOrWhiteSpace(name)
            ? name
            : throw WrongValue(AdapterPropertyName, text is string ? "an empty string" : "a " + value.GetType().Name, "an adapter name", nameof(WithPaliGemmaAdapter));
    }

    /// <summary>Gets the typed task set with <see cref="WithPaliGemmaTask"/>, if any.</summary>
    /// <param name="options">The options to read, or <see langword="null"/>.</param>
    /// <returns>The task, or <see langword="null"/> when none is set.</returns>
    /// <exception cref="ArgumentException">The property holds something other than a <see cref="PaliGemmaTask"/>.</exception>
    public static PaliGemmaTask? GetPaliGemmaTask(this ChatOptions? options)
    {
        object? value = Get(options, TaskPropertyName);
        return value is null ? null : value as PaliGemmaTask ?? throw WrongType(TaskPropertyName, value, $"a {nameof(PaliGemmaTask)}", nameof(WithPaliGemmaTask));
    }

    /// <summary>
    /// Switches constrained decoding on or off for this request, overriding
    /// <see cref="PaliGemmaChatClientOptions.ConstrainTypedTasks"/>. On, a <c>detect</c> or <c>segment</c> request (typed or
    /// written as text) produces only complete objects with its labels, and an <c>answer</c> request with allowed answers
    /// only one of them (see <see cref="PaliGemmaOutputConstraint"/>); requesting it for a task without a grammar
    /// (caption, OCR, …) is an error.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="enabled">True to constrain, false to decode freely.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithPaliGemmaConstrainedDecoding(this ChatOptions options, bool enabled = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Set(options, ConstrainedDecodingPropertyName, enabled);
    }

    /// <summary>Gets the switch set with <see cref="WithPaliGemmaConstrainedDecoding"/>, or null when none is set.</summary>
    /// <param name="options">The options to read, or <see langword="null"/>.</param>
    /// <returns>The switch, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">The property holds something other than a <see cref="bool"/>.</exception>
    public static bool? GetPaliGemmaConstrainedDecoding(this ChatOptions? options)
    {
        object? value = Get(options, ConstrainedDecodingPropertyName);
        return value is null ? null : value as bool? ?? throw WrongType(ConstrainedDecodingPropertyName, value, "a bool", nameof(WithPaliGemmaConstrainedDecoding));
    }

    /// <summary>
    /// Limits the answer of an <c>answer</c> task to one of <paramref name="answers"/> (for example <c>yes</c>, <c>no</c>),
    /// enforced token by token. Applies unless constrained decoding is switched off for the request.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="answers">The allowed answers, each one line without <c>&lt;</c> or <c>&gt;</c>.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static ChatOptions WithPaliGemmaAllowedAnswers(this ChatOptions options, IEnumerable<string> answers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(answers);
        return Set(options, AllowedAnswersPropertyName, Array.AsReadOnly(answers.ToArray()));
    }

    /// <summary>Gets the answers set with <see cref="WithPaliGemmaAllowedAnswers"/>, or null when none are set.</summary>
    /// <param name="options">The options to read, or <see langword="null"/>.</param>
    /// <returns>The answers, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">The property holds something other than a list of strings.</exception>
    public static IReadOnlyList<string>? GetPaliGemmaAllowedAnswers(this ChatOptions? options)
    {
        object? value = Get(options, AllowedAnswersPropertyName);
        return value is null ? null : value as IReadOnlyList<string> ?? throw WrongType(AllowedAnswersPropertyName, value, "a list of strings", nameof(WithPaliGemmaAllowedAnswers));
    }

    private static ChatOptions Set(ChatOptions options, string key, object value)
    {
        options.AdditionalProperties ??= [];
        options.AdditionalProperties[key] = value;
        return options;
    }

    private static object? Get(ChatOptions? options, string key) =>
        options?.AdditionalProperties is { } properties && properties.TryGetValue(key, out object? value) ? value : null;

    private static ArgumentException WrongType(string key, object value, string mustBe, string setter) =>
        WrongValue(key, "a " + value.GetType().Name, mustBe, setter);

    private static ArgumentException WrongValue(string key, string holds, string mustBe, string setter) =>
        new($"ChatOptions.AdditionalProperties[\"{key}\"] holds {holds}; it must be {mustBe} (use {setter}).", "options");
}
