using System.Globalization;

namespace PaliGemma.Onnx.Masks;

/// <summary>
/// Parses the small Python dict literal of a .npy header: string keys, and values that are strings,
/// <c>True</c>/<c>False</c> or tuples of non-negative integers. Anything else is rejected.
/// </summary>
internal static class NpyDictParser
{
    private const int MaxDigits = 18;

    /// <summary>Parses <paramref name="text"/>; tuples become <see cref="List{T}"/> of <see cref="long"/>.</summary>
    public static Dictionary<string, object> Parse(string text, string source)
    {
        int i = 0;
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        SkipSpace(text, ref i);
        Expect(text, ref i, '{', source);
        while (true)
        {
            SkipSpace(text, ref i);
            if (Peek(text, i) == '}')
            {
                i++;
                break;
            }

            string key = ReadString(text, ref i, source);
            SkipSpace(text, ref i);
            Expect(text, ref i, ':', source);
            SkipSpace(text, ref i);
            object value = ReadValue(text, ref i, source);
            if (!result.TryAdd(key, value))
            {
                throw Bad(source, $"duplicate key '{key}'");
            }

            SkipSpace(text, ref i);
            if (Peek(text, i) == ',')
            {
                i++;
                continue;
            }

            SkipSpace(text, ref i);
            Expect(text, ref i, '}', source);
            break;
        }

        SkipSpace(text, ref i);
        if (i != text.Length)
        {
            throw Bad(source, "unexpected text after the dict");
        }

        return result;
    }

    private static object ReadValue(string text, ref int i, string source)
    {
        char c = Peek(text, i);
        if (c is '\'' or '"')
        {
            return ReadString(text, ref i, source);
        }

        if (c == '(')
        {
            return ReadTuple(text, ref i, source);
        }

        if (string.CompareOrdinal(text, i, "True", 0, 4) == 0)
        {
            i += 4;
            return true;
        }

        if (string.CompareOrdinal(text, i, "False", 0, 5) == 0)
        {
            i += 5;
            return false;
        }

        throw Bad(source, $"unsupported value at offset {i}");
    }

    private static List<long> ReadTuple(string text, ref int i, string source)
    {
        var values = new List<long>();
        Expect(text, ref i, '(', source);
        while (true)
        {
            SkipSpace(text, ref i);
            if (Peek(text, i) == ')')
            {
                i++;
                return values;
            }

            int start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            // Python 2 era files may write long literals as "128L".
            int digits = i - start;
            if (digits == 0 || digits > MaxDigits)
            {
                throw Bad(source, $"bad dimension at offset {start}");
            }

            values.Add(long.Parse(text.AsSpan(start, digits), NumberStyles.None, CultureInfo.InvariantCulture));
            if (Peek(text, i) == 'L')
            {
                i++;
            }

            if (values.Count > NpyHeader.MaxRank)
            {
                throw Bad(source, $"more than {NpyHeader.MaxRank} dimensions");
            }

            SkipSpace(text, ref i);
            if (Peek(text, i) == ',')
            {
                i++;
            }
            else if (Peek(text, i) != ')')
            {
                throw Bad(source, $"expected ',' or ')' at offset {i}");
            }
        }
    }

    private static string ReadString(string text, ref int i, string source)
    {
        char quote = Peek(text, i);
        if (quote is not ('\'' or '"'))
        {
            throw Bad(source, $"expected a quoted string at offset {i}");
        }

        int end = text.IndexOf(quote, i + 1);
        if (end < 0)
        {
            throw Bad(source, "unterminated string");
        }

        string value = text.Substring(i + 1, end - i - 1);
        if (value.Contains('\\', StringComparison.Ordinal))
        {
            throw Bad(source, "escape sequences are not supported");
        }

        i = end + 1;
        return value;
    }

    private static void Expect(string text, ref int i, char c, string source)
    {
        if (Peek(text, i) != c)
        {
            throw Bad(source, $"expected '{c}' at offset {i}");
        }

        i++;
    }

    private static char Peek(string text, int i) => i < text.Length ? text[i] : '\0';

    private static void SkipSpace(string text, ref int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\r')
        {
            i++;
        }
    }

    private static InvalidDataException Bad(string source, string what) =>
        new($"{source}: malformed .npy header ({what}).");
}
