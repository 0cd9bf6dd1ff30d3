using System.Text.Json;
using PaliGemma.Onnx.Masks;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests.Segmentation;

/// <summary>The committed fixtures of tools/reference/vqvae_decoder.py and a decoder exported from them once.</summary>
internal static class SegmentationFixtures
{
    private static readonly Lazy<string> Exported = new(Export);

    public static string Folder => MaskFixtureFiles.Folder;

    /// <summary>Gets the path of mask_decoder.onnx exported from the fixture npz (once per test run).</summary>
    public static string DecoderPath => Exported.Value;

    public static int[][] Codes() =>
        MaskFixtureFiles.Codes().Select(row => row.Select(v => checked((int)v)).ToArray()).ToArray();

    public static float[] Logits(int index) => MaskFixtureFiles.Logits(index);

    public static JsonElement Placement()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "placement.json")));
        return doc.RootElement.GetProperty("cases").Clone();
    }

    /// <summary>Decodes a COCO uncompressed RLE independently of the code under test: column-major, background first.</summary>
    public static bool[,] DecodeRle(IReadOnlyList<int> size, IReadOnlyList<int> counts)
    {
        int h = size[0], w = size[1];
        var mask = new bool[h, w];
        int index = 0;
        bool value = false;
        foreach (int count in counts)
        {
            for (int i = 0; i < count; i++, index++)
            {
                mask[index % h, index / h] = value;
            }

            value = !value;
        }

        Assert.Equal(h * w, index);
        return mask;
    }

    private static string Export()
    {
        string dir = Path.Combine(Path.GetTempPath(), "pg-masks-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        string onnx = Path.Combine(dir, "mask_decoder.onnx");
        MaskDecoderExporter.Export(MaskFixtureFiles.Npz, onnx);
        return onnx;
    }

}
