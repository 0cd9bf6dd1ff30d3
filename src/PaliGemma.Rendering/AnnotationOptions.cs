using Microsoft.Extensions.Logging;
using SkiaSharp;

namespace PaliGemma.Rendering;

/// <summary>Options for <see cref="AnnotatedImageRenderer"/>.</summary>
public sealed class AnnotationOptions
{
    /// <summary>The font files tried, in order, when <see cref="FontPath"/> is not set (Debian/Ubuntu and Fedora DejaVu Sans).</summary>
    public static IReadOnlyList<string> DefaultFontPaths { get; } =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];

    /// <summary>Gets or sets a TrueType/OpenType font for labels. When null, <see cref="DefaultFontPaths"/> and then
    /// Skia's default typeface are tried; when no font has glyphs, boxes are drawn without labels and a warning is logged.</summary>
    public string? FontPath { get; set; }

    /// <summary>Gets or sets the label text size in pixels; null picks one from the image size (at least 12).</summary>
    public float? FontSize { get; set; }

    /// <summary>Gets or sets the box outline width in pixels; null picks one from the image size (at least 2).</summary>
    public float? StrokeWidth { get; set; }

    /// <summary>Gets or sets the opacity of mask fills, 0 (invisible) to 1 (opaque). Default 0.45.</summary>
    public float MaskOpacity { get; set; } = 0.45f;

    /// <summary>Gets or sets whether each mask's outline is drawn in the object's opaque colour over its translucent fill.
    /// Default true.</summary>
    public bool DrawMaskOutlines { get; set; } = true;

    /// <summary>Gets or sets whether labels are drawn. Default true.</summary>
    public bool DrawLabels { get; set; } = true;

    /// <summary>Gets or sets the colours used for objects; an object's colour is picked from its label, so equal labels share a colour.</summary>
    public IReadOnlyList<SKColor> Palette { get; set; } =
    [
        new SKColor(230, 25, 75), new SKColor(60, 180, 75), new SKColor(0, 130, 200), new SKColor(245, 130, 48),
        new SKColor(145, 30, 180), new SKColor(70, 240, 240), new SKColor(240, 50, 230), new SKColor(210, 245, 60),
    ];

    /// <summary>Gets or sets the largest encoded image accepted, in bytes. Default <see cref="PaliGemma.AI.ImageLoadOptions.DefaultMaxEncodedBytes"/> (32 MiB).</summary>
    public long MaxEncodedBytes { get; set; } = PaliGemma.AI.ImageLoadOptions.DefaultMaxEncodedBytes;

    /// <summary>Gets or sets the largest decoded image accepted, in pixels. Default <see cref="PaliGemma.AI.ImageLoadOptions.DefaultMaxPixels"/> (40 megapixels).</summary>
    public long MaxPixels { get; set; } = PaliGemma.AI.ImageLoadOptions.DefaultMaxPixels;

    /// <summary>Gets or sets where warnings (no usable font, mask of another image size) go. Default: nowhere.</summary>
    public ILogger? Logger { get; set; }
}
