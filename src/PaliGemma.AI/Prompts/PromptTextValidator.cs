using System.Globalization;
using System.Text;

namespace PaliGemma.AI;

/// <summary>
/// Checks untrusted text (labels, questions, answers, language codes) before it goes into a PaliGemma prompt,
/// so that caller-supplied text can never change the task the model performs.
/// </summary>
/// <remarks>
/// <para>
/// Labels are trimmed of surrounding spaces (U+0020 only) and then must be non-empty and free of <c>;</c>
/// (the label separator), <c>&lt;</c> and <c>&gt;</c> (special tokens such as <c>&lt;loc0001&gt;</c> or
/// <c>&lt;image&gt;</c>) and control or line-break characters (CR, LF, tab, U+0085, U+2028, U+2029, …).
/// </para>
/// <para>
/// Free text (questions and answers) is trimmed the same way, must be non-empty and must not contain
/// <c>&lt;</c>, <c>&gt;</c>, control or line-break characters; <c>;</c> is allowed there because it does not
/// separate anything in <c>answer</c>/<c>question</c> prompts.
/// </para>
/// <para>
/// Language codes follow a short BCP-47-like rule: 2 or 3 lowercase ASCII letters, optionally followed by
/// <c>-</c> or <c>_</c> and 2 to 4 ASCII letters or digits (<c>en</c>, <c>de</c>, <c>zh-CN</c>, <c>pt_BR</c>).
/// They are not trimmed.
/// </para>
/// </remarks>
internal static class PromptTextValidator
{
    /// <summary>The longest part of an offending value quoted in an exception message.</summary>
    private const int MaxQuotedLength = 80;

    /// <summary>Trims and validates one detection/segmentation label.</summary>
    /// <param name="label">The label as the caller gave it.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns>The label without surrounding spaces.</returns>
    /// <exception cref="ArgumentException">The label is null, empty, or contains a forbidden character.</exception>
    public static string ValidateLabel(string? label, string paramName)
    {
        var error = GetLabelError(label, out var trimmed);
        if (error is not null)
        {
            throw new ArgumentException(
                $"The label {Quote(label)} cannot be used: {error}. Labels name objects, for example \"cat\" or \"traffic light\".",
                paramName);
        }

        return trimmed!;
    }

    /// <summary>Trims and validates a list of labels; at least one label is required.</summary>
    /// <param name="labels">The labels as the caller gave them.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns>A new array holding the trimmed labels.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">There are no labels, or one of them is not valid.</exception>
    public static string[] ValidateLabels(IEnumerable<string?> labels, string paramName)
    {
        ArgumentNullException.ThrowIfNull(labels, paramName);
        var result = new List<string>();
        var index = 0;
        foreach (var label in labels)
        {
            var error = GetLabelError(label, out var trimmed);
            if (error is not null)
            {
                throw new ArgumentException(
                    $"Label {index.ToString(CultureInfo.InvariantCulture)} ({Quote(label)}) cannot be used: {error}. " +
                    "Labels name objects, for example \"cat\" or \"traffic light\"; pass several labels as separate values.",
                    paramName);
            }

            result.Add(trimmed!);
            index++;
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("At least one label is required, for example \"cat\".", paramName);
        }

        return [.. result];
    }

    /// <summary>Returns whether <paramref name="label"/> is a valid label once trimmed.</summary>
    /// <param name="label">The label to check.</param>
    /// <returns><see langword="true"/> when <see cref="ValidateLabel"/> would accept it.</returns>
    public static bool IsValidLabel(string? label) => GetLabelError(label, out _) is null;

    /// <summary>Trims and validates a free-text question or answer.</summary>
    /// <param name="text">The text as the caller gave it.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns>The text without surrounding spaces.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException">The text is empty or contains a forbidden character.</exception>
    public static string ValidateFreeText(string? text, string paramName)
    {
        ArgumentNullException.ThrowIfNull(text, paramName);
        var error = GetFreeTextError(text, out var trimmed);
        if (error is not null)
        {
            throw new ArgumentException($"The text {Quote(text)} cannot be used: {error}.", paramName);
        }

        return trimmed!;
    }

    /// <summary>Returns whether <paramref name="text"/> is a valid question or answer once trimmed.</summary>
    /// <param name="text">The text to check.</param>
    /// <returns><see langword="true"/> when <see cref="ValidateFreeText"/> would accept it.</returns>
    public static bool IsValidFreeText(string? text) => text is not null && GetFreeTextError(text, out _) is null;

    /// <summary>Validates a language code such as <c>en</c>, <c>zh-CN</c> or <c>pt_BR</c>.</summary>
    /// <param name="language">The language code.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns>The language code, unchanged.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="language"/> is null.</exception>
    /// <exception cref="ArgumentException">The code does not follow the rule.</exception>
    public static string ValidateLanguage(string? language, string paramName)
    {
        ArgumentNullException.ThrowIfNull(language, paramName);
        if (!IsValidLanguage(language))
        {
            throw new ArgumentException(
                $"The language code {Quote(language)} is not valid: use 2 or 3 lowercase letters, optionally followed by " +
                "'-' or '_' and 2 to 4 letters or digits, for example \"en\", \"de\", \"zh-CN\" or \"pt_BR\".",
                paramName);
        }

        return language;
    }

    /// <summary>Returns whether <paramref name="language"/> follows the language-code rule.</summary>
    /// <param name="language">The code to check.</param>
    /// <returns><see langword="true"/> for codes such as <c>en</c> or <c>zh-CN</c>.</returns>
    public static bool IsValidLanguage(ReadOnlySpan<char> language)
    {
        var primary = 0;
        while (primary < language.Length && char.IsAsciiLetterLower(language[primary]))
        {
            primary++;
        }

        if (primary is < 2 or > 3)
        {
            return false;
        }

        if (primary == language.Length)
        {
            return true;
        }

        if (language[primary] is not ('-' or '_'))
        {
            return false;
        }

        var region = language[(primary + 1)..];
        if (region.Length is < 2 or > 4)
        {
            return false;
        }

        foreach (var c in region)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Formats an offending value for an exception message: quoted, control characters escaped, long values shortened.</summary>
    /// <param name="value">The value, possibly null.</param>
    /// <returns>A printable, quoted rendering of the value.</returns>
    internal static string Quote(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var builder = new StringBuilder(Math.Min(value.Length, MaxQuotedLength) + 8);
        builder.Append('"');
        var shown = Math.Min(value.Length, MaxQuotedLength);
        for (var i = 0; i < shown; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\r': builder.Append("\\r"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                default:
                    if (IsControlOrLineBreak(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
        if (value.Length > MaxQuotedLength)
        {
            builder.Append(CultureInfo.InvariantCulture, $" (first {MaxQuotedLength} of {value.Length} characters)");
        }

        return builder.ToString();
    }

    private static string? GetLabelError(string? label, out string? trimmed)
    {
        trimmed = null;
        if (label is null)
        {
            return "it is null";
        }

        var candidate = label.Trim(' ');
        if (candidate.Length == 0)
        {
            return "it is empty or only spaces";
        }

        foreach (var c in candidate)
        {
            if (c == ';')
            {
                return "it contains ';', which separates labels and would add another object to the task";
            }

            if (IsForbiddenInPrompt(c))
            {
                return ForbiddenCharacterError(c, "a label");
            }
        }

        trimmed = candidate;
        return null;
    }

    private static string? GetFreeTextError(string text, out string? trimmed)
    {
        trimmed = null;
        var candidate = text.Trim(' ');
        if (candidate.Length == 0)
        {
            return "it is empty or only spaces";
        }

        foreach (var c in candidate)
        {
            if (IsForbiddenInPrompt(c))
            {
                return ForbiddenCharacterError(c, "the prompt");
            }
        }

        trimmed = candidate;
        return null;
    }

    /// <summary>
    /// The one rule for every piece of prompt text, caller text inside a task and whole raw prompts alike: no <c>&lt;</c> or
    /// <c>&gt;</c> (they could form special tokens) and no control or line-break character (PaliGemma ends the prefix at a
    /// newline). Labels add <c>;</c>.
    /// </summary>
    /// <param name="c">A character of the text.</param>
    /// <returns>True when <paramref name="c"/> may not appear.</returns>
    public static bool IsForbiddenInPrompt(char c) => IsSpecialTokenDelimiter(c) || IsControlOrLineBreak(c);

    /// <summary>True for <c>&lt;</c> and <c>&gt;</c>, which delimit special tokens such as <c>&lt;image&gt;</c>.</summary>
    /// <param name="c">A character.</param>
    /// <returns>Whether it is one of them.</returns>
    public static bool IsSpecialTokenDelimiter(char c) => c is '<' or '>';

    private static string ForbiddenCharacterError(char c, string what) => IsSpecialTokenDelimiter(c)
        ? "it contains '<' or '>', which could form special tokens such as <image> or <loc0001>"
        : $"it contains the control or line-break character U+{(int)c:X4}; {what} must be a single line";

    private static bool IsControlOrLineBreak(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029';
}
