using PaliGemma.Onnx.Tiny;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>
/// Tiny PaliGemma 1 and PaliGemma 2 model folders (random weights, made once per machine under the temp folder)
/// loaded once for all chat, vision and DI tests.
/// </summary>
public sealed class ChatTestModels : IDisposable
{
    private readonly Lazy<PaliGemmaModel> _pg1;
    private readonly Lazy<PaliGemmaModel> _pg2;

    public ChatTestModels()
    {
        Pg1Path = Path.Combine(Path.GetTempPath(), "paligemma-chat-tests", "pg1");
        Pg2Path = Path.Combine(Path.GetTempPath(), "paligemma-chat-tests", "pg2");
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

    private static PaliGemmaModel Load(string path, TinyModelVariant variant)
    {
        TinyModels.CreateModelFolder(path, new TinyModelOptions { Variant = variant, Seed = 7 });
        return PaliGemmaModel.Load(path, new PaliGemmaModelOptions { IntraOpNumThreads = 1 });
    }
}

/// <summary>The xunit collection sharing <see cref="ChatTestModels"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ChatModelCollection : ICollectionFixture<ChatTestModels>
{
    public const string Name = "PaliGemma chat models";
}
