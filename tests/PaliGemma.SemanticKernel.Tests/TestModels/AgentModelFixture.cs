using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Masks;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.SemanticKernel.Tests.TestModels;

/// <summary>
/// A tiny PaliGemma 2 model folder of the real architecture with random weights (made once per test run under the
/// test output folder, git-ignored) plus a random-weight <c>mask_decoder.onnx</c> named by the manifest, loaded once per test class.
/// </summary>
public sealed class AgentModelFixture : IDisposable
{
    private static readonly Lazy<string> LazyFolder = new(CreateFolder);
    private readonly Lazy<PaliGemmaChatClient> _chatClient;
    private readonly Lazy<MaskDecoder> _maskDecoder;

    /// <summary>Initializes a new instance.</summary>
    public AgentModelFixture()
    {
        _chatClient = new(() => PaliGemmaChatClient.Load(Folder));
        _maskDecoder = new(() => MaskDecoder.Load(Path.Combine(Folder, "mask_decoder.onnx")));
    }

    /// <summary>The options of the tiny model (seed and scales chosen so greedy output varies, as in the AI tests).</summary>
    public static TinyModelOptions Options { get; } = new()
    {
        Variant = TinyModelVariant.PaliGemma2,
        ImageSize = 224,
        Seed = 7,
        EmbeddingStd = 0.05f,
        WeightStd = 0.5f,
    };

    /// <summary>Gets the model folder (generated on first use).</summary>
    public static string Folder => LazyFolder.Value;

    /// <summary>Gets the bundled 320×240 test image (samples/AgentDemo/assets/scene.png).</summary>
    public static byte[] SceneBytes { get; } = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "assets", "scene.png"));

    /// <summary>Gets the loaded chat client (shared by a test class; do not dispose).</summary>
    public PaliGemmaChatClient ChatClient => _chatClient.Value;

    /// <summary>Gets the mask decoder of the folder.</summary>
    public MaskDecoder MaskDecoder => _maskDecoder.Value;

    /// <summary>Creates the vision service over the tiny model (at most 24 output tokens, to keep tests fast).</summary>
    public IPaliGemmaVision CreateVision() => new PaliGemmaVision(ChatClient, new PaliGemmaVisionOptions { MaxOutputTokens = 24 });

    /// <inheritdoc />
    public void Dispose()
    {
        if (_chatClient.IsValueCreated)
        {
            _chatClient.Value.Dispose();
        }

        if (_maskDecoder.IsValueCreated)
        {
            _maskDecoder.Value.Dispose();
        }
    }

    private static string CreateFolder()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "tiny-models", "agent-pg2-224");
        TinyModels.CreateModelFolder(folder, Options);
        string decoder = Path.Combine(folder, "mask_decoder.onnx");
        if (!File.Exists(decoder))
        {
            string npz = Path.Combine(Path.GetTempPath(), "paligemma-vqvae-" + Guid.NewGuid().ToString("N") + ".npz");
            try
            {
                RandomVqVaeCheckpoint.Write(npz, seed: 3, embeddingDim: 8, width: 8, upsampleChannels: [8, 8, 4, 4]);
                MaskDecoderExporter.Export(npz, decoder + ".tmp");
                File.Move(decoder + ".tmp", decoder, overwrite: true);
            }
            finally
            {
                File.Delete(npz);
            }
        }

        RegisterMaskDecoder(folder);
        return folder;
    }

    /// <summary>Names the decoder in the manifest (<c>files.mask_decoder</c>), as <c>convert --mask-decoder</c> does.</summary>
    private static void RegisterMaskDecoder(string folder)
    {
        string manifestPath = Path.Combine(folder, PaliGemmaManifest.FileName);
        PaliGemmaManifest manifest = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(manifestPath), PaliGemmaManifestJsonContext.Default.PaliGemmaManifest)!;
        if (manifest.Files.MaskDecoder is null)
        {
            PaliGemma.Onnx.Conversion.PaliGemmaConverter.WriteManifest(manifestPath, manifest with { Files = manifest.Files with { MaskDecoder = "mask_decoder.onnx" } });
        }
    }
}
