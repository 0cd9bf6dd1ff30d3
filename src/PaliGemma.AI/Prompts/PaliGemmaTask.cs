using System.Diagnostics.CodeAnalysis;

namespace PaliGemma.AI;

/// <summary>
/// A validated PaliGemma task (caption, OCR, question answering, detection, …) that renders to the prompt prefix
/// the model expects. Instances are created only through the factory methods, which reject untrusted text that
/// could change the task (see <see cref="PaliGemmaPrompt"/> for the rules).
/// </summary>
public sealed record PaliGemmaTask
{
    private readonly string[] _labels;

    private PaliGemmaTask(PaliGemmaTaskKind kind, string? language, string? text, string[] labels)
    {
        Kind = kind;
        Language = language;
        Text = text;
        _labels = labels;
        Labels = Array.AsReadOnly(labels);
    }

    /// <summary>Gets the kind of task.</summary>
    public PaliGemmaTaskKind Kind { get; }

    /// <summary>Gets the language code for caption, describe, answer and question tasks; otherwise null.</summary>
    public string? Language { get; }

    /// <summary>Gets the question of an <see cref="PaliGemmaTaskKind.Answer"/> task or the answer of a
    /// <see cref="PaliGemmaTaskKind.Question"/> task (trimmed); otherwise null.</summary>
    public string? Text { get; }

    /// <summary>Gets the trimmed labels of a detect or segment task; empty for other tasks.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Creates a short-caption task (<c>caption en</c>).</summary>
    /// <param name="language">The caption language, for example <c>en</c> or <c>zh-CN</c>.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException"><paramref name="language"/> is not a valid language code.</exception>
    public static PaliGemmaTask Caption(string language = "en") =>
        new(PaliGemmaTaskKind.Caption, PromptTextValidator.ValidateLanguage(language, nameof(language)), null, []);

    /// <summary>Creates a long-description task (<c>describe en</c>).</summary>
    /// <param name="language">The description language.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException"><paramref name="language"/> is not a valid language code.</exception>
    public static PaliGemmaTask Describe(string language = "en") =>
        new(PaliGemmaTaskKind.Describe, PromptTextValidator.ValidateLanguage(language, nameof(language)), null, []);

    /// <summary>Creates a text-recognition task (<c>ocr</c>).</summary>
    /// <returns>The task.</returns>
    public static PaliGemmaTask Ocr() => new(PaliGemmaTaskKind.Ocr, null, null, []);

    /// <summary>Creates a question-answering task (<c>answer en {question}</c>).</summary>
    /// <param name="question">The question; one line without <c>&lt;</c> or <c>&gt;</c>.</param>
    /// <param name="language">The answer language.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The question or language is not valid.</exception>
    public static PaliGemmaTask Answer(string question, string language = "en")
    {
        var lang = PromptTextValidator.ValidateLanguage(language, nameof(language));
        return new(PaliGemmaTaskKind.Answer, lang, PromptTextValidator.ValidateFreeText(question, nameof(question)), []);
    }

    /// <summary>Creates a question-generation task (<c>question en {answer}</c>).</summary>
    /// <param name="answer">The answer the generated question should have; one line without <c>&lt;</c> or <c>&gt;</c>.</param>
    /// <param name="language">The question language.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The answer or language is not valid.</exception>
    public static PaliGemmaTask Question(string answer, string language = "en")
    {
        var lang = PromptTextValidator.ValidateLanguage(language, nameof(language));
        return new(PaliGemmaTaskKind.Question, lang, PromptTextValidator.ValidateFreeText(answer, nameof(answer)), []);
    }

    /// <summary>Creates a detection task (<c>detect cat ; dog</c>).</summary>
    /// <param name="labels">One or more object labels; each is trimmed of spaces and validated.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">No labels were given, or a label is not valid.</exception>
    public static PaliGemmaTask Detect(params string[] labels) =>
        new(PaliGemmaTaskKind.Detect, null, null, PromptTextValidator.ValidateLabels(labels, nameof(labels)));

    /// <summary>Creates a segmentation task (<c>segment cat ; dog</c>).</summary>
    /// <param name="labels">One or more object labels; each is trimmed of spaces and validated.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">No labels were given, or a label is not valid.</exception>
    public static PaliGemmaTask Segment(params string[] labels) =>
        new(PaliGemmaTaskKind.Segment, null, null, PromptTextValidator.ValidateLabels(labels, nameof(labels)));

    /// <summary>
    /// Recognises a prompt prefix written by hand (for example the text of a chat message) as a task.
    /// Surrounding spaces are ignored; everything else must follow the rules of the factory methods.
    /// </summary>
    /// <param name="prompt">The prompt text, for example <c>detect cat ; dog</c>.</param>
    /// <param name="task">The recognised task, or null.</param>
    /// <returns><see langword="true"/> when the prompt is one of the known tasks with valid arguments.</returns>
    public static bool TryParse([NotNullWhen(true)] string? prompt, [NotNullWhen(true)] out PaliGemmaTask? task)
    {
        task = null;
        if (prompt is null)
        {
            return false;
        }

        var text = prompt.Trim(' ');
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var keyword = space < 0 ? text : text[..space];
        var rest = space < 0 ? string.Empty : text[(space + 1)..];
        switch (keyword)
        {
            case "ocr" when rest.Length == 0:
                task = Ocr();
                return true;
            case "caption" or "describe" when PromptTextValidator.IsValidLanguage(rest):
                task = new(keyword == "caption" ? PaliGemmaTaskKind.Caption : PaliGemmaTaskKind.Describe, rest, null, []);
                return true;
            case "answer" or "question":
                return TryParseFreeTextTask(keyword == "answer" ? PaliGemmaTaskKind.Answer : PaliGemmaTaskKind.Question, rest, out task);
            case "detect" or "segment":
                var labels = rest.Split(';');
                foreach (var label in labels)
                {
                    if (!PromptTextValidator.IsValidLabel(label))
                    {
                        return false;
                    }
                }

                var kind = keyword == "detect" ? PaliGemmaTaskKind.Detect : PaliGemmaTaskKind.Segment;
                task = new(kind, null, null, PromptTextValidator.ValidateLabels(labels, nameof(prompt)));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Renders the task as the prompt prefix PaliGemma expects, for example <c>detect cat ; dog</c>.</summary>
    /// <returns>The prompt text (without the trailing newline the runtime appends).</returns>
    public string ToPrompt() => Kind switch
    {
        PaliGemmaTaskKind.Caption => $"caption {Language}",
        PaliGemmaTaskKind.Describe => $"describe {Language}",
        PaliGemmaTaskKind.Ocr => "ocr",
        PaliGemmaTaskKind.Answer => $"answer {Language} {Text}",
        PaliGemmaTaskKind.Question => $"question {Language} {Text}",
        PaliGemmaTaskKind.Detect => "detect " + string.Join(" ; ", _labels),
        PaliGemmaTaskKind.Segment => "segment " + string.Join(" ; ", _labels),
        _ => throw new InvalidOperationException($"Unknown task kind {Kind}."),
    };

    /// <summary>Returns the prompt text (<see cref="ToPrompt"/>).</summary>
    /// <returns>The prompt text.</returns>
    public override string ToString() => ToPrompt();

    /// <summary>Compares kind, language, text and labels (element by element, ordinal).</summary>
    /// <param name="other">The task to compare with.</param>
    /// <returns><see langword="true"/> when both describe the same prompt.</returns>
    public bool Equals(PaliGemmaTask? other) =>
        other is not null &&
        Kind == other.Kind &&
        string.Equals(Language, other.Language, StringComparison.Ordinal) &&
        string.Equals(Text, other.Text, StringComparison.Ordinal) &&
        _labels.AsSpan().SequenceEqual(other._labels);

    /// <summary>Returns a hash code consistent with <see cref="Equals(PaliGemmaTask)"/>.</summary>
    /// <returns>The hash code.</returns>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        hash.Add(Language, StringComparer.Ordinal);
        hash.Add(Text, StringComparer.Ordinal);
        foreach (var label in _labels)
        {
            hash.Add(label, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    private static bool TryParseFreeTextTask(PaliGemmaTaskKind kind, string rest, out PaliGemmaTask? task)
    {
        task = null;
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !PromptTextValidator.IsValidLanguage(rest.AsSpan(0, space)))
        {
            return false;
        }

        var freeText = rest[(space + 1)..].Trim(' ');
        if (!PromptTextValidator.IsValidFreeText(freeText))
        {
            return false;
        }

        task = new(kind, rest[..space], freeText, []);
        return true;
    }
}
