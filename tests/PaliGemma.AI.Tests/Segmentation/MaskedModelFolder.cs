using System.Text.Json;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;

namespace PaliGemma.AI.Tests.Segmentation;

/// <summary>
/// A copy of the tiny PaliGemma 2 (224 px) model folder with the reference-weight <c>mask_decoder.onnx</c>
/// (exported from tests/Fixtures/masks/vae-random.npz) added and named by the manifest, loaded once per test class.
/// </summary>
public sealed class MaskedModelFolder : IDisposable
{
    private readonly Lazy<PaliGemmaModel> _model;

    public MaskedModelFolder()
    {
        Folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
        AddMaskDecoder(Folder);
        _model = new(() => PaliGemmaModel.Load(Folder));
    }

    /// <summary>Gets the folder (deleted on dispose).</summary>
    public string Folder { get; }

    /// <summary>Gets the loaded model (shared; do not dispose).</summary>
    public PaliGemmaModel Model => _model.Value;

    /// <summary>Copies the reference mask decoder into <paramref name="folder"/> and names it in the manifest.</summary>
    public static void AddMaskDecoder(string folder)
    {
        File.Copy(SegmentationFixtures.DecoderPath, Path.Combine(folder, "mask_decoder.onnx"), overwrite: true);
        string manifestPath = Path.Combine(folder, PaliGemmaManifest.FileName);
        PaliGemmaManifest manifest = JsonSerializer.Deserialize(File.ReadAllText(manifestPath), PaliGemmaManifestJsonContext.Default.PaliGemmaManifest)!;
        PaliGemmaConverter.WriteManifest(manifestPath, manifest with { Files = manifest.Files with { MaskDecoder = "mask_decoder.onnx" } });
    }

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }

        TinyModelFixture.DeleteFolder(Folder);
    }
}
