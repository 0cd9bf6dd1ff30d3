using PaliGemma.Tests.Shared;

namespace PaliGemma.Onnx.Tests.Masks;

/// <summary>The committed fixtures of tools/reference/vqvae_decoder.py (tests/Fixtures/masks).</summary>
internal static class MaskFixtures
{
    public static string Folder => MaskFixtureFiles.Folder;

    public static string Npz => MaskFixtureFiles.Npz;

    public static long[][] Codes() => MaskFixtureFiles.Codes();

    public static float[] Logits(int index) => MaskFixtureFiles.Logits(index);
}
