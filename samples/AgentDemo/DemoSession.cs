using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace AgentDemo;

/// <summary>The loaded model and the vision tools over it, shared by both modes.</summary>
internal sealed class DemoSession : IDisposable
{
    private readonly PaliGemmaChatClient _chatClient;
    private readonly MaskDecoder? _maskDecoder;

    private DemoSession(string modelPath, bool bundled, Action<string> report)
    {
        ModelPath = modelPath;
        Bundled = bundled;
        var progress = new SynchronousProgress<PaliGemmaLoadProgress>(p => report(p.Done ? "Model loaded." : $"Loading the model: {p.Stage} ({p.Step}/{p.Steps}) ..."));
        _chatClient = PaliGemmaChatClient.Load(modelPath, new PaliGemmaModelOptions { Progress = progress });
        string decoder = Path.Combine(modelPath, ModelFileNames.MaskDecoder);
        _maskDecoder = File.Exists(decoder) ? MaskDecoder.Load(decoder) : null;
        Vision = new PaliGemmaVision(_chatClient, new PaliGemmaVisionOptions { MaxOutputTokens = 64 });
        Options = new PaliGemmaToolOptions { MaskDecoder = _maskDecoder };
        Store = new InMemoryImageStore();
        Resolver = new ImageReferenceResolver(Store, Options);
        Tools = new PaliGemmaVisionTools(Vision, Resolver, Options);
    }

    public string ModelPath { get; }

    /// <summary>True when the session runs the bundled paligemma2-tiny-scenes model.</summary>
    public bool Bundled { get; }

    public IPaliGemmaVision Vision { get; }

    public PaliGemmaToolOptions Options { get; }

    public InMemoryImageStore Store { get; }

    public IImageReferenceResolver Resolver { get; }

    public PaliGemmaVisionTools Tools { get; }

    public static DemoSession Open(string? modelPath, Action<string> report) =>
        modelPath is null ? new DemoSession(DemoModel.EnsureDefaultModel(report), bundled: true, report) : new DemoSession(modelPath, bundled: false, report);

    public void Dispose()
    {
        _chatClient.Dispose();
        _maskDecoder?.Dispose();
    }
}

/// <summary>Reports on the calling thread, in order (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
