using System.Text;
using PaliGemma.AI;

namespace PaliGemma.Fuzz.Targets;

/// <summary>
/// The prompt builder and prompt recogniser. Byte 0 picks the task; the rest (UTF-8) is split at NUL into its
/// arguments. Builders may only throw <see cref="ArgumentException"/>; a prompt they accept must hold no newline, no
/// <c>&lt;</c>/<c>&gt;</c> and must be recognised by <see cref="PaliGemmaTask.TryParse"/> as the same task; TryParse
/// never throws and its tasks print back to a prompt it recognises again.
/// </summary>
internal static class PromptTarget
{
    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.Length < 1)
        {
            return;
        }

        string text = Encoding.UTF8.GetString(data[1..]);
        string[] parts = text.Split('\0');
        PaliGemmaTask? built = null;
        try
        {
            built = (data[0] % 8) switch
            {
                0 => PaliGemmaTask.Caption(parts[0]),
                1 => PaliGemmaTask.Describe(parts[0]),
                2 => PaliGemmaTask.Ocr(),
                3 => PaliGemmaTask.Answer(parts[0], parts.Length > 1 ? parts[1] : "en"),
                4 => PaliGemmaTask.Question(parts[0], parts.Length > 1 ? parts[1] : "en"),
                5 => PaliGemmaTask.Detect(parts),
                6 => PaliGemmaTask.Segment(parts),
                _ => null,
            };
        }
        catch (ArgumentException)
        {
        }

        if (built is not null)
        {
            string prompt = built.ToPrompt();
            if (prompt.AsSpan().IndexOfAny("\n\r<>") >= 0)
            {
                throw new InvariantException($"accepted prompt '{prompt}' holds a newline or a token bracket");
            }

            if (!PaliGemmaTask.TryParse(prompt, out PaliGemmaTask? parsed) || parsed.ToPrompt() != prompt || parsed.Kind != built.Kind || !parsed.Labels.SequenceEqual(built.Labels))
            {
                throw new InvariantException($"built prompt '{prompt}' does not parse back to the same task");
            }
        }

        if (PaliGemmaTask.TryParse(text, out PaliGemmaTask? task))
        {
            string again = task.ToPrompt();
            if (!PaliGemmaTask.TryParse(again, out PaliGemmaTask? second) || second.ToPrompt() != again)
            {
                throw new InvariantException($"'{text}' parsed to '{again}', which does not parse back to itself");
            }
        }
    }
}
