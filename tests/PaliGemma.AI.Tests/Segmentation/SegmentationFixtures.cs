using System.Text.Json;
using PaliGemma.Onnx.Masks;

namespace PaliGemma.AI.Tests.Segmentation;

/// <summary>The committed fixtures of tools/reference/vqvae_decoder.py and a decoder exported from them once.</summary>
internal static class SegmentationFixtures
{
    private static readonly Lazy<string> Exported = new(Export);

    public static string Folder { get; } = Find();

    /// <summary>Gets the path of mask_decoder.onnx exported from the fixture npz (once per test run).</summary>
    public static string DecoderPath => Exported.Value;

    public static int[][] Codes()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "codes.json")));
        return doc.RootElement.GetProperty("codes").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
    }

    public static float[] Logits(int index)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, "logits.bin"));
        float[] all = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, all, 0, bytes.Length);
        return all.AsSpan(index * 4096, 4096).ToArray();
    }

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
        MaskDecoderExporter.Export(Path.Combine(Folder, "vae-random.npz"), onnx);
        return onnx;
    }

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Fixtures", "masks");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Fixtures/masks not found above " + AppContext.BaseDirectory);
    }
}
