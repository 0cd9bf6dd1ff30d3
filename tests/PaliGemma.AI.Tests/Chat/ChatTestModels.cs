using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>
/// The shared tiny PaliGemma 1 and PaliGemma 2 models (<see cref="TinyModelFixture"/>, 224 px, random weights whose
/// greedy output varies with the image and prompt), loaded once for all chat, vision and DI test classes.
/// </summary>
public sealed class ChatTestModels : IDisposable
{
    private readonly TinyModelFixture _fixture = new();

    public PaliGemmaModel Pg1 => _fixture.Model(TinyModelKind.PaliGemma1At224);

    public PaliGemmaModel Pg2 => _fixture.Model(TinyModelKind.PaliGemma2At224);

    public PaliGemmaModel Get(string variant) => variant == "pg1" ? Pg1 : Pg2;

    public string PathOf(string variant) =>
        TinyModelFixture.FolderOf(variant == "pg1" ? TinyModelKind.PaliGemma1At224 : TinyModelKind.PaliGemma2At224);

    public void Dispose() => _fixture.Dispose();
}

/// <summary>The xunit collection sharing <see cref="ChatTestModels"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ChatModelCollection : ICollectionFixture<ChatTestModels>
{
    public const string Name = "PaliGemma chat models";
}
