using PaliGemma.AI;
using PaliGemma.Onnx.Masks;
using PaliGemma.Onnx.Tiny;

namespace AgentDemo;

/// <summary>
/// The default offline model: a tiny PaliGemma 2 of the real architecture with RANDOM weights (it runs the whole
/// pipeline but does not see anything; its boxes and words are noise), plus a random-weight mask decoder. It is
/// generated on first run and cached under <c>$XDG_CACHE_HOME/paligemma</c> (default <c>~/.cache/paligemma</c>).
/// </summary>
internal static class DemoModel
{
    public static TinyModelOptions Options { get; } = new()
    {
        Variant = TinyModelVariant.PaliGemma2,
        ImageSize = 224,
        Seed = 7,
        EmbeddingStd = 0.05f,
        WeightStd = 0.5f,
    };

    /// <summary>Returns the cached tiny model folder, creating it when missing.</summary>
    public static string EnsureTinyModel(Action<string> report)
    {
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        string folder = Path.Combine(cache, "paligemma", "agentdemo", "tiny-pg2-224-random");
        if (!File.Exists(Path.Combine(folder, PaliGemmaManifest.FileName)))
        {
            report($"Generating the tiny random-weight model in {folder} (first run only) ...");
        }

        TinyModels.CreateModelFolder(folder, Options);
        string decoder = Path.Combine(folder, "mask_decoder.onnx");
        if (!File.Exists(decoder))
        {
            string npz = Path.Combine(Path.GetTempPath(), $"paligemma-demo-vqvae-{Guid.NewGuid():N}.npz");
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

        return folder;
    }
}
