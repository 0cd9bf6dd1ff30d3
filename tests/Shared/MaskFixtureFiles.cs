using System.Text.Json;

namespace PaliGemma.Tests.Shared;

/// <summary>
/// Reads the committed fixtures of tools/reference/vqvae_decoder.py (tests/Fixtures/masks). Compiled into every test
/// project that needs them (linked source), so the file format is read in one place.
/// </summary>
internal static class MaskFixtureFiles
{
    /// <summary>Gets the tests/Fixtures/masks folder, found above the test assembly.</summary>
    public static string Folder { get; } = Find();

    /// <summary>Gets the random-weight VQ-VAE npz the expected logits were computed from.</summary>
    public static string Npz => Path.Combine(Folder, "vae-random.npz");

    /// <summary>Reads the 20 code sequences of codes.json.</summary>
    public static long[][] Codes()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "codes.json")));
        return doc.RootElement.GetProperty("codes").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
    }

    /// <summary>Reads the expected 64×64 logits of code sequence <paramref name="index"/> (row-major).</summary>
    public static float[] Logits(int index)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, "logits.bin"));
        float[] all = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, all, 0, bytes.Length);
        return all.AsSpan(index * 4096, 4096).ToArray();
    }

    private static string Find()
    {
        string path = RepositoryPaths.Combine("tests", "Fixtures", "masks");
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException("tests/Fixtures/masks not found at " + path);
    }
}
