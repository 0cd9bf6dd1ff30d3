namespace PaliGemma.AI;

/// <summary>
/// Builds the prompt prefixes PaliGemma understands (<c>caption en</c>, <c>detect cat ; dog</c>, …) from
/// untrusted text, rejecting anything that could change the task.
/// </summary>
/// <remarks>
/// <para>Rules (every violation throws an <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/>
/// is the parameter and whose message quotes the offending value):</para>
/// <list type="bullet">
/// <item><description>Labels are trimmed of surrounding spaces, then must be non-empty and must not contain <c>;</c>,
/// <c>&lt;</c>, <c>&gt;</c>, or any control or line-break character (CR, LF, tab, U+2028, …). At least one label is required.</description></item>
/// <item><description>Questions and answers are trimmed of surrounding spaces, then must be non-empty and must not contain
/// <c>&lt;</c>, <c>&gt;</c>, or control or line-break characters.</description></item>
/// <item><description>Language codes are 2 or 3 lowercase ASCII letters, optionally followed by <c>-</c> or <c>_</c> and
/// 2 to 4 ASCII letters or digits: <c>en</c>, <c>de</c>, <c>zh-CN</c>, <c>pt_BR</c>.</description></item>
/// </list>
/// <para>For a typed value that can be stored and passed around, use <see cref="PaliGemmaTask"/>.</para>
/// </remarks>
public static class PaliGemmaPrompt
{
    /// <summary>Builds <c>caption {language}</c>.</summary>
    /// <param name="language">The caption language.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException"><paramref name="language"/> is not a valid language code.</exception>
    public static string Caption(string language = "en") => PaliGemmaTask.Caption(language).ToPrompt();

    /// <summary>Builds <c>describe {language}</c>.</summary>
    /// <param name="language">The description language.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException"><paramref name="language"/> is not a valid language code.</exception>
    public static string Describe(string language = "en") => PaliGemmaTask.Describe(language).ToPrompt();

    /// <summary>Builds <c>ocr</c>.</summary>
    /// <returns>The prompt text.</returns>
    public static string Ocr() => PaliGemmaTask.Ocr().ToPrompt();

    /// <summary>Builds <c>answer {language} {question}</c>.</summary>
    /// <param name="question">The question.</param>
    /// <param name="language">The answer language.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException">The question or language is not valid.</exception>
    public static string Answer(string question, string language = "en") => PaliGemmaTask.Answer(question, language).ToPrompt();

    /// <summary>Builds <c>question {language} {answer}</c>.</summary>
    /// <param name="answer">The answer the generated question should have.</param>
    /// <param name="language">The question language.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException">The answer or language is not valid.</exception>
    public static string Question(string answer, string language = "en") => PaliGemmaTask.Question(answer, language).ToPrompt();

    /// <summary>Builds <c>detect {label} ; {label} …</c>.</summary>
    /// <param name="labels">One or more object labels.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException">No labels were given, or a label is not valid.</exception>
    public static string Detect(params string[] labels) => PaliGemmaTask.Detect(labels).ToPrompt();

    /// <summary>Builds <c>segment {label} ; {label} …</c>.</summary>
    /// <param name="labels">One or more object labels.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException">No labels were given, or a label is not valid.</exception>
    public static string Segment(params string[] labels) => PaliGemmaTask.Segment(labels).ToPrompt();
}
