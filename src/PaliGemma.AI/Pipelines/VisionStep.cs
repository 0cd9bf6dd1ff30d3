namespace PaliGemma.AI;

/// <summary>The kind of a <see cref="VisionStep"/>.</summary>
public enum VisionStepKind
{
    /// <summary><c>detect a ; b</c>: finds objects.</summary>
    Detect,

    /// <summary><c>segment a ; b</c>: finds objects with masks.</summary>
    Segment,

    /// <summary><c>caption {lang}</c>.</summary>
    Caption,

    /// <summary><c>ocr</c>.</summary>
    Ocr,

    /// <summary><c>answer {lang} {question}</c>.</summary>
    Answer,
}

/// <summary>One PaliGemma task of a <see cref="VisionPipeline"/>.</summary>
/// <param name="Kind">The task.</param>
/// <param name="Labels">The labels of a detect or segment step; empty otherwise.</param>
/// <param name="Language">The language of a caption or answer step; empty otherwise.</param>
/// <param name="Question">The question of an answer step; empty otherwise.</param>
public sealed record VisionStep(VisionStepKind Kind, IReadOnlyList<string> Labels, string Language, string Question)
{
    /// <summary>Gets the step as PaliGemma's prompt text, for example <c>caption en</c> or <c>detect cat ; dog</c>.</summary>
    public string Prompt => Kind switch
    {
        VisionStepKind.Detect => "detect " + string.Join(" ; ", Labels),
        VisionStepKind.Segment => "segment " + string.Join(" ; ", Labels),
        VisionStepKind.Caption => "caption " + Language,
        VisionStepKind.Ocr => "ocr",
        _ => $"answer {Language} {Question}",
    };

    /// <summary>Gets whether the step finds objects (detect or segment) rather than answering with text.</summary>
    public bool FindsObjects => Kind is VisionStepKind.Detect or VisionStepKind.Segment;

    /// <summary>Parses a prompt such as <c>detect cat ; dog</c>, <c>segment cat</c>, <c>caption en</c>, <c>ocr</c> or <c>answer en how many?</c>.</summary>
    /// <param name="prompt">The prompt text.</param>
    /// <returns>The step.</returns>
    /// <exception cref="FormatException">The prompt names no known task or lacks its argument.</exception>
    public static VisionStep Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        string text = prompt.Trim();
        string[] words = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string rest = words.Length > 1 ? words[1] : string.Empty;
        switch (words.FirstOrDefault()?.ToLowerInvariant())
        {
            case "detect" or "segment" when rest.Length > 0:
                string[] labels = rest.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (labels.Length == 0)
                {
                    break;
                }

                return words[0].Equals("detect", StringComparison.OrdinalIgnoreCase) ? Detect(labels) : Segment(labels);
            case "caption":
                return Caption(rest.Length > 0 ? rest : "en");
            case "ocr" when rest.Length == 0:
                return Ocr();
            case "answer":
                string[] parts = rest.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length == 2)
                {
                    return Answer(parts[1], parts[0]);
                }

                break;
        }

        throw new FormatException($"'{prompt}' is not a task: expected 'detect a ; b', 'segment a ; b', 'caption LANG', 'ocr' or 'answer LANG QUESTION'.");
    }

    /// <summary>A detect step.</summary>
    /// <param name="labels">The object names.</param>
    /// <returns>The step.</returns>
    public static VisionStep Detect(IEnumerable<string> labels) => new(VisionStepKind.Detect, CheckLabels(labels), string.Empty, string.Empty);

    /// <summary>A segment step.</summary>
    /// <param name="labels">The object names.</param>
    /// <returns>The step.</returns>
    public static VisionStep Segment(IEnumerable<string> labels) => new(VisionStepKind.Segment, CheckLabels(labels), string.Empty, string.Empty);

    /// <summary>A caption step.</summary>
    /// <param name="language">The language code.</param>
    /// <returns>The step.</returns>
    public static VisionStep Caption(string language = "en") => new(VisionStepKind.Caption, [], Required(language, nameof(language)), string.Empty);

    /// <summary>An OCR step.</summary>
    /// <returns>The step.</returns>
    public static VisionStep Ocr() => new(VisionStepKind.Ocr, [], string.Empty, string.Empty);

    /// <summary>A question-answering step.</summary>
    /// <param name="question">The question.</param>
    /// <param name="language">The language code.</param>
    /// <returns>The step.</returns>
    public static VisionStep Answer(string question, string language = "en") =>
        new(VisionStepKind.Answer, [], Required(language, nameof(language)), Required(question, nameof(question)));

    private static string[] CheckLabels(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        string[] list = [.. labels];
        if (list.Length == 0 || list.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one non-empty label is needed.", nameof(labels));
        }

        return list;
    }

    private static string Required(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        return value;
    }
}
