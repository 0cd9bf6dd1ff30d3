using PaliGemma.AI;
using PaliGemma.SemanticKernel;

namespace AgentDemo;

/// <summary>The loaded model and the vision tools over it, shared by both modes.</summary>
internal sealed class DemoSession : IDisposable
{
    private readonly PaliGemmaChatClient _chatClient;
    private readonly MaskDecoder? _maskDecoder;

    private DemoSession(string modelPath, bool randomWeights)
    {
        ModelPath = modelPath;
        RandomWeights = randomWeights;
        _chatClient = PaliGemmaChatClient.Load(modelPath);
        string decoder = Path.Combine(modelPath, "mask_decoder.onnx");
        _maskDecoder = File.Exists(decoder) ? MaskDecoder.Load(decoder) : null;
        Vision = new PaliGemmaVision(_chatClient, new PaliGemmaVisionOptions { MaxOutputTokens = 64 });
        Options = new PaliGemmaToolOptions { MaskDecoder = _maskDecoder };
        Store = new InMemoryImageStore();
        Resolver = new ImageReferenceResolver(Store, Options);
        Tools = new PaliGemmaVisionTools(Vision, Resolver, Options);
    }

    public string ModelPath { get; }

    public bool RandomWeights { get; }

    public IPaliGemmaVision Vision { get; }

    public PaliGemmaToolOptions Options { get; }

    public InMemoryImageStore Store { get; }

    public IImageReferenceResolver Resolver { get; }

    public PaliGemmaVisionTools Tools { get; }

    public static DemoSession Open(string? modelPath, Action<string> report) =>
        modelPath is null ? new DemoSession(DemoModel.EnsureTinyModel(report), randomWeights: true) : new DemoSession(modelPath, randomWeights: false);

    public void Dispose()
    {
        _chatClient.Dispose();
        _maskDecoder?.Dispose();
    }
}
