using System.Text;
using PaliGemma.AI;
using SkiaSharp;

namespace PaliGemma.Rendering;

/// <summary>Draws a label on a filled tag at the top-left of its box, kept inside the image.</summary>
internal static class LabelPainter
{
    /// <summary>The longest label drawn; longer labels (model output is untrusted) are cut with an ellipsis.</summary>
    public const int MaxLabelLength = 48;

    /// <summary>Removes control characters and cuts the label to <see cref="MaxLabelLength"/>.</summary>
    public static string Clean(string label)
    {
        var sb = new StringBuilder(Math.Min(label.Length, MaxLabelLength + 1));
        foreach (char c in label.Trim())
        {
            if (sb.Length == MaxLabelLength)
            {
                sb.Append('…');
                break;
            }

            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        return sb.ToString();
    }

    public static void Paint(SKCanvas canvas, SKFont font, string text, BoundingBox box, SKColor color, int width, int height)
    {
        float pad = MathF.Max(2f, font.Size / 6f);
        float textWidth = font.MeasureText(text);
        SKFontMetrics metrics = font.Metrics;
        float tagWidth = textWidth + (2 * pad);
        float tagHeight = (metrics.Descent - metrics.Ascent) + (2 * pad);

        // Above the box when there is room, else just inside it; always within the image.
        float left = Math.Clamp(box.Left, 0, Math.Max(0, width - tagWidth));
        float top = box.Top - tagHeight >= 0 ? box.Top - tagHeight : Math.Max(0, box.Top);
        top = Math.Min(top, Math.Max(0, height - tagHeight));

        using var fill = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
        canvas.DrawRect(SKRect.Create(left, top, tagWidth, tagHeight), fill);
        using var ink = new SKPaint { Color = Contrast(color), IsAntialias = true };
        canvas.DrawText(text, left + pad, top + pad - metrics.Ascent, SKTextAlign.Left, font, ink);
    }

    private static SKColor Contrast(SKColor c) =>
        (0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue) > 150 ? SKColors.Black : SKColors.White;
}
