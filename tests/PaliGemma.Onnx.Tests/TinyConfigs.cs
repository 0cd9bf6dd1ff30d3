using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tests;

/// <summary>Tiny PaliGemma shapes for numeric tests.</summary>
internal static class TinyConfigs
{
    public const int ImageToken = 257;

    public static SiglipVisionConfig Vision(int imageSize) => new()
    {
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        PatchSize = 14,
        ImageSize = imageSize,
        LayerNormEps = 1e-6f,
    };

    /// <summary>PaliGemma 1: Gemma, MQA (1 kv head), head_dim = hidden / heads.</summary>
    public static PaliGemmaConfig PaliGemma1(int imageSize = 28) => new()
    {
        Vision = Vision(imageSize),
        Text = new GemmaTextConfig
        {
            ModelType = "gemma",
            HiddenSize = 64,
            IntermediateSize = 128,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 1,
            HeadDim = 16,
            VocabSize = 300,
            RmsNormEps = 1e-6f,
            RopeTheta = 10000f,
            QueryPreAttnScalar = 16f,
            MaxPositionEmbeddings = 128,
        },
        ImageTokenIndex = ImageToken,
        ProjectionDim = 64,
    };

    /// <summary>
    /// PaliGemma 2: Gemma 2 with 3 layers (sliding on 0 and 2), GQA (2 kv heads), head_dim 24 ≠ 64/4,
    /// query_pre_attn_scalar 20 ≠ head_dim, small soft caps so tanh is far from linear, window 3.
    /// </summary>
    public static PaliGemmaConfig PaliGemma2(int imageSize = 28) => new()
    {
        Vision = Vision(imageSize),
        Text = new GemmaTextConfig
        {
            ModelType = "gemma2",
            HiddenSize = 64,
            IntermediateSize = 128,
            NumHiddenLayers = 3,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 24,
            VocabSize = 300,
            RmsNormEps = 1e-6f,
            RopeTheta = 10000f,
            QueryPreAttnScalar = 20f,
            AttnLogitSoftcapping = 1.0f,
            FinalLogitSoftcapping = 5.0f,
            SlidingWindow = 3,
            MaxPositionEmbeddings = 128,
        },
        ImageTokenIndex = ImageToken,
        ProjectionDim = 64,
    };
}

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pg-graphs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
