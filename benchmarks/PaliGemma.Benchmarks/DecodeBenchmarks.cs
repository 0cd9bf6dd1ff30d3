using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.Benchmarks;

/// <summary>
/// A whole cached-image request of <see cref="Tokens"/> greedy tokens: the chat client against the raw ONNX Runtime GenAI
/// loop on the same decoder and prompt ids (the image features are computed once, as the client's cache does).
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private PaliGemmaChatClient _client = null!;
    private Model _raw = null!;
    private float[] _features = [];
    private int[] _prompt = [];
    private ChatMessage[] _messages = [];

    [Params(16)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _client = PaliGemmaChatClient.Load(BenchModel.Path);
        _raw = new Model(BenchModel.Path);
        PaliGemmaModel model = _client.Model;
        _features = model.EncodeImage(PaliGemmaImageProcessor.Preprocess(BenchModel.Image, model.ImageSize).PixelValues);
        _prompt = model.BuildPromptIds("caption en");
        _messages = [new ChatMessage(ChatRole.User, [new DataContent(BenchModel.Image, "image/png"), new TextContent("caption en")])];
        _ = ChatClient(); // fills the image-feature cache
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _client.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int RawGenAiLoop()
    {
        using var parameters = new GeneratorParams(_raw);
        parameters.SetSearchOption(GenAiConfigKeys.SearchSection.MaxLength, _prompt.Length + Tokens);
        using var generator = new Generator(_raw, parameters);
        GCHandle pin = GCHandle.Alloc(_features, GCHandleType.Pinned);
        try
        {
            int hidden = _features.Length / _client.Model.NumImageTokens;
            using var tensor = new Tensor(pin.AddrOfPinnedObject(), [_client.Model.NumImageTokens, hidden], ElementType.float32);
            generator.SetModelInput(DecoderGraphNames.ImageFeatures, tensor);
            generator.AppendTokens(_prompt);
            int count = 0;
            while (count < Tokens && !generator.IsDone())
            {
                generator.GenerateNextToken();
                count++;
                if (generator.GetNextTokens()[0] == _client.Model.Manifest.TokenIds.Eos)
                {
                    break;
                }
            }

            return count;
        }
        finally
        {
            pin.Free();
        }
    }

    [Benchmark]
    public int ChatClient()
    {
        ChatResponse response = _client.GetResponseAsync(_messages, new ChatOptions { MaxOutputTokens = Tokens, Temperature = 0f }).GetAwaiter().GetResult();
        return (int)(response.Usage?.OutputTokenCount ?? 0);
    }
}
