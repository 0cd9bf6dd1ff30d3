using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.Onnx.Tiny;
using static PaliGemma.AI.Tests.Chat.ChatTestHelpers;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>
/// Generation that ends on byte tokens (<c>&lt;0xNN&gt;</c>): the streaming decoder holds them back, so the chat
/// client must flush them into the text when generation stops.
/// </summary>
[Collection(ChatModelCollection.Name)]
public sealed class PaliGemmaChatClientByteTokenTests(ChatTestModels models)
{
    private static readonly byte[] Image = TestImages.Png(1);
    private static readonly string[] Prefixes = ["caption en", "detect cat ; dog", "ocr", "answer en what is it", "describe en"];

    /// <summary>The first prefix and output length whose greedy output ends on a byte token.</summary>
    private static (string Prefix, int[] Ids) EndingOnByteToken(PaliGemmaModel model)
    {
        int firstByte = new TinyVocabulary().IdOf("<0x00>");
        foreach (string prefix in Prefixes)
        {
            var reference = Reference(model, Image, prefix, 48);
            int index = reference.FindIndex(t => !t.IsStop && t.Id >= firstByte && t.Id < firstByte + 256);
            if (index >= 0)
            {
                return (prefix, [.. reference.Take(index + 1).Select(t => t.Id)]);
            }
        }

        throw new InvalidOperationException("no greedy output of the tiny model contains a byte token; pick other prefixes");
    }

    [Theory]
    [InlineData("pg1")]
    [InlineData("pg2")]
    public async Task Text_ending_in_byte_tokens_is_flushed_into_the_response(string variant)
    {
        var model = models.Get(variant);
        var (prefix, ids) = EndingOnByteToken(model);
        string expected = model.Decode(ids);
        using (var decoder = model.CreateTextDecoder())
        {
            // Without a flush the last byte run would be missing: the test would catch a client that forgets it.
            Assert.NotEqual(expected, string.Concat(ids.Select(decoder.Append)));
        }

        using var client = new PaliGemmaChatClient(model);
        var options = new ChatOptions { MaxOutputTokens = ids.Length };
        var response = await client.GetResponseAsync(Ask(prefix, Image), options);
        var updates = await CollectAsync(client.GetStreamingResponseAsync(Ask(prefix, Image), options));

        Assert.Equal(expected, response.Text);
        Assert.Equal(expected, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }
}
