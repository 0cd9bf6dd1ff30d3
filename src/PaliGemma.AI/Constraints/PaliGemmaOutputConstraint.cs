using PaliGemma.AI.Runtime;

namespace PaliGemma.AI.Constraints;

/// <summary>
/// A grammar that a generation must follow, enforced token by token (constrained decoding): for <c>detect</c> and
/// <c>segment</c>, zero or more objects separated by <c> ; </c>, each exactly four <c>&lt;locNNNN&gt;</c> tokens forming a box
/// with an area (for <c>segment</c> then exactly sixteen <c>&lt;segNNN&gt;</c> tokens) and one of the requested labels,
/// then end of sequence; for <c>answer</c>, exactly one of the allowed answers. Create one with
/// <see cref="PaliGemmaModel.CreateOutputConstraint"/> and pass it in <see cref="PaliGemmaGenerationSettings.Constraint"/>.
/// Immutable; one instance may serve any number of generations of the model that created it, at the same time.
/// </summary>
/// <remarks>
/// Before each step every token the grammar does not allow gets the logit negative infinity, so greedy search picks the
/// most likely allowed token and sampling samples among the allowed ones. The walk also keeps the answer completable
/// within <see cref="PaliGemmaGenerationSettings.MaxNewTokens"/>: a new object starts only when it and the shortest label
/// still fit, so a generation cut by its token limit still ends with a complete object.
/// </remarks>
public sealed class PaliGemmaOutputConstraint
{
    internal PaliGemmaOutputConstraint(PaliGemmaTask task, IReadOnlyList<string> choices, OutputGrammar grammar, string modelId)
    {
        Task = task;
        Choices = choices;
        Grammar = grammar;
        ModelId = modelId;
    }

    /// <summary>Gets the task the grammar is for.</summary>
    public PaliGemmaTask Task { get; }

    /// <summary>Gets the labels (detect, segment) or the allowed answers (answer) the output may contain.</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>Gets the id of the model whose tokenizer compiled the grammar.</summary>
    public string ModelId { get; }

    /// <summary>Gets the compiled grammar.</summary>
    internal OutputGrammar Grammar { get; }

    /// <summary>Returns a short description, for example <c>detect: cat | dog</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"{Task.Kind.ToString().ToLowerInvariant()}: {string.Join(" | ", Choices)}";
}
