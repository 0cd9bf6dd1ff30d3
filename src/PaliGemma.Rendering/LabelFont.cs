using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SkiaSharp;

namespace PaliGemma.Rendering;

/// <summary>Finds a typeface that has glyphs. On a bare Linux machine Skia's default typeface has none.</summary>
internal static partial class LabelFont
{
    private static readonly ConcurrentDictionary<string, SKTypeface?> Cache = new(StringComparer.Ordinal);

    /// <summary>Returns a typeface with glyphs, or null (after logging a warning) when there is none.</summary>
    public static SKTypeface? Resolve(AnnotationOptions options, ILogger logger)
    {
        IEnumerable<string> candidates = options.FontPath is { Length: > 0 } path ? [path] : AnnotationOptions.DefaultFontPaths;
        foreach (string candidate in candidates)
        {
            SKTypeface? typeface = Cache.GetOrAdd(candidate, Load);
            if (typeface is not null)
            {
                return typeface;
            }
        }

        if (options.FontPath is null && SKTypeface.Default is { GlyphCount: > 0 } fallback)
        {
            return fallback;
        }

        LogNoFont(logger, options.FontPath ?? string.Join(", ", AnnotationOptions.DefaultFontPaths));
        return null;
    }

    private static SKTypeface? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        SKTypeface? typeface = SKTypeface.FromFile(path);
        if (typeface is { GlyphCount: > 0 })
        {
            return typeface;
        }

        typeface?.Dispose();
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No usable font for annotation labels (tried {Fonts}); drawing boxes and masks without labels. Install fonts-dejavu-core or set AnnotationOptions.FontPath.")]
    private static partial void LogNoFont(ILogger logger, string fonts);
}
