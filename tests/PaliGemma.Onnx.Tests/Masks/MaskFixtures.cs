using System.Text.Json;

namespace PaliGemma.Onnx.Tests.Masks;

/// <summary>The committed fixtures of tools/reference/vqvae_decoder.py (tests/Fixtures/masks).</summary>
internal static class MaskFixtures
{
    public static string Folder { get; } = Find();

    public static string Npz => Path.Combine(Folder, "vae-random.npz");

    public static long[][] Codes()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "codes.json")));
        return doc.RootElement.GetProperty("codes").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
    }

    public static float[] Logits(int index)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, "logits.bin"));
        float[] all = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, all, 0, bytes.Length);
        return all.AsSpan(index * 4096, 4096).ToArray();
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
