using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>Small deterministic PNG images for chat tests.</summary>
internal static class TestImages
{
    /// <summary>A 40×30 gradient whose colours depend on <paramref name="seed"/>.</summary>
    public static byte[] Png(int seed = 0, int width = 40, int height = 30)
    {
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)((x * 6) + (seed * 37)), (byte)((y * 8) + (seed * 11)), (byte)((x + y + seed) * 3));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
