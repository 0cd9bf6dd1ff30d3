using PaliGemma.Onnx.Tiny;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>
/// Tiny PaliGemma 1 and PaliGemma 2 model folders (random weights, made once per machine under the temp folder)
/// loaded once for all chat, vision and DI tests.
/// </summary>
/// <remarks>
/// The weights use a larger matrix spread and a smaller embedding spread than the generator's defaults: with the
/// defaults the residual stream is dominated by the input embedding, and greedy decoding repeats the prompt's last
/// token ("\n") forever. With these settings the output varies with the image and the prompt, and mixes plain-text
/// and &lt;loc&gt;/&lt;seg&gt; tokens, which the stop-sequence and concurrency tests need.
/// </remarks>
public sealed class ChatTestModels : IDisposable
{
    private readonly Lazy<PaliGemmaModel> _pg1;
    private readonly Lazy<PaliGemmaModel> _pg2;

    public ChatTestModels()
    {
        Pg1Path = Path.Combine(Path.GetTempPath(), "paligemma-chat-tests-v1", "pg1");
        Pg2Path = Path.Combine(Path.GetTempPath(), "paligemma-chat-tests-v1", "pg2");
        _pg1 = new(() => Load(Pg1Path, TinyModelVariant.PaliGemma1));
        _pg2 = new(() => Load(Pg2Path, TinyModelVariant.PaliGemma2));
    }

    public string Pg1Path { get; }

    public string Pg2Path { get; }

    public PaliGemmaModel Pg1 => _pg1.Value;

    public PaliGemmaModel Pg2 => _pg2.Value;

    public PaliGemmaModel Get(string variant) => variant == "pg1" ? Pg1 : Pg2;

    public string PathOf(string variant)
    {
        _ = Get(variant);
        return variant == "pg1" ? Pg1Path : Pg2Path;
    }

    public void Dispose()
    {
        if (_pg1.IsValueCreated)
        {
            _pg1.Value.Dispose();
        }

        if (_pg2.IsValueCreated)
        {
            _pg2.Value.Dispose();
        }
    }

    public static TinyModelOptions Options(TinyModelVariant variant) =>
        new() { Variant = variant, Seed = 7, WeightStd = 0.3f, EmbeddingStd = 0.05f };

    private static PaliGemmaModel Load(string path, TinyModelVariant variant)
    {
        TinyModels.CreateModelFolder(path, Options(variant));
        return PaliGemmaModel.Load(path, new PaliGemmaModelOptions { IntraOpNumThreads = 1 });
    }
}

/// <summary>The xunit collection sharing <see cref="ChatTestModels"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ChatModelCollection : ICollectionFixture<ChatTestModels>
{
    public const string Name = "PaliGemma chat models";
}
