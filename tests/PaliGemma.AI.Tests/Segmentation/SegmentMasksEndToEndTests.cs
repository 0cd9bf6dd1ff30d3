using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Chat;
using PaliGemma.AI.Tests.TestModels;

namespace PaliGemma.AI.Tests.Segmentation;

/// <summary>A model folder with a mask decoder: loading, <c>GetService</c>, and masks from <see cref="IPaliGemmaVision.SegmentAsync"/>.</summary>
public sealed class SegmentMasksEndToEndTests(MaskedModelFolder masked) : IClassFixture<MaskedModelFolder>
{
    private static readonly byte[] Png = TestImages.Png(3, width: 320, height: 240);

    private static string SegmentText(int[] codes, string label, int y1 = 100, int x1 = 200, int y2 = 800, int x2 = 900) =>
        $"<loc{y1:0000}><loc{x1:0000}><loc{y2:0000}><loc{x2:0000}>" + string.Concat(codes.Select(c => $"<seg{c:000}>")) + " " + label;

    [Fact]
    public void Model_loads_the_mask_decoder_named_by_the_manifest_and_the_chat_client_serves_it()
    {
        PaliGemmaModel model = masked.Model;
        MaskDecoder decoder = Assert.IsType<MaskDecoder>(model.MaskDecoder);
        Assert.Equal(Path.Combine(masked.Folder, "mask_decoder.onnx"), decoder.ModelPath);
        Assert.Equal(128, decoder.CodebookSize);

        using var client = new PaliGemmaChatClient(model);
        Assert.Same(decoder, client.GetService<MaskDecoder>());
        Assert.Same(decoder, ((IChatClient)client).GetService(typeof(MaskDecoder)));
        Assert.Null(client.GetService(typeof(MaskDecoder), "other-key"));
    }

    [Fact]
    public void A_folder_without_a_mask_decoder_has_none()
    {
        using PaliGemmaModel model = PaliGemmaModel.Load(TinyModelFixture.FolderOf(TinyModelKind.PaliGemma2At224));
        using var client = new PaliGemmaChatClient(model);

        Assert.Null(model.Manifest.Files.MaskDecoder);
        Assert.Null(model.MaskDecoder);
        Assert.Null(client.GetService<MaskDecoder>());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("wrong-graph")]
    [InlineData("missing")]
    public void A_broken_mask_decoder_fails_the_load_naming_the_file(string kind)
    {
        string folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
        try
        {
            MaskedModelFolder.AddMaskDecoder(folder);
            string path = Path.Combine(folder, "mask_decoder.onnx");
            switch (kind)
            {
                case "garbage":
                    File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
                    break;
                case "wrong-graph":
                    // A valid ONNX model with other inputs and outputs: the vision graph.
                    File.Copy(Path.Combine(folder, "vision.onnx"), path, overwrite: true);
                    break;
                case "missing":
                    File.Delete(path);
                    break;
            }

            PaliGemmaModelException error = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder));
            Assert.Equal(path, error.FilePath);
            Assert.Contains("mask", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }

    [Fact]
    public void Disposing_the_model_disposes_its_mask_decoder()
    {
        string folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
        try
        {
            MaskedModelFolder.AddMaskDecoder(folder);
            PaliGemmaModel model = PaliGemmaModel.Load(folder);
            MaskDecoder decoder = model.MaskDecoder!;
            Assert.Equal(4096, decoder.DecodeLogits(SegmentationFixtures.Codes()[0]).Length);

            model.Dispose();

            Assert.Throws<ObjectDisposedException>(() => decoder.DecodeLogits(SegmentationFixtures.Codes()[0]));
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task Disposing_while_masks_decode_never_crashes()
    {
        string folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
        try
        {
            MaskedModelFolder.AddMaskDecoder(folder);
            PaliGemmaModel model = PaliGemmaModel.Load(folder);
            MaskDecoder decoder = model.MaskDecoder!;
            int[] codes = SegmentationFixtures.Codes()[1];

            // Eight threads decode in a loop until the model is disposed under them; each must stop with
            // ObjectDisposedException (never a crash, another exception or a wrong result), and no decode that starts
            // after Dispose returned may succeed.
            const int Threads = 8, Cap = 100_000;
            using var running = new CountdownEvent(Threads);
            bool disposed = false;
            Task<(int Done, bool StoppedByDispose, bool SucceededAfterDispose)>[] decodes = [.. Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(() =>
            {
                int done = 0;
                bool succeededAfterDispose = false;
                try
                {
                    for (; done < Cap; done++)
                    {
                        bool after = Volatile.Read(ref disposed);
                        Assert.Equal(4096, decoder.DecodeLogits(codes).Length);
                        succeededAfterDispose |= after;
                        if (done == 0)
                        {
                            running.Signal();
                        }
                    }
                }
                catch (ObjectDisposedException)
                {
                    return (done, true, succeededAfterDispose);
                }

                return (done, false, succeededAfterDispose);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
            Assert.True(running.Wait(TimeSpan.FromMinutes(2)), "the decode threads did not all start");
            model.Dispose();
            Volatile.Write(ref disposed, true);

            var results = await Task.WhenAll(decodes);

            Assert.All(results, r => Assert.True(r.StoppedByDispose, $"a thread decoded all {Cap} times without seeing the dispose"));
            Assert.All(results, r => Assert.InRange(r.Done, 1, Cap - 1));
            Assert.All(results, r => Assert.False(r.SucceededAfterDispose, "a decode that started after Dispose returned succeeded"));
            Assert.Throws<ObjectDisposedException>(() => decoder.DecodeLogits(codes));
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task SegmentAsync_attaches_masks_from_the_chat_clients_decoder()
    {
        int[][] codes = SegmentationFixtures.Codes();
        string answer = SegmentText(codes[2], "cat") + " ; " + SegmentText(codes[5], "dog", 0, 0, 1023, 512);
        using var client = new MaskServingChatClient(answer, masked.Model.MaskDecoder);
        IPaliGemmaVision vision = new PaliGemmaVision(client);

        SegmentationResult result = await vision.SegmentAsync(Png, ["cat", "dog"]);

        Assert.Equal(["cat", "dog"], result.Objects.Select(o => o.Label));
        for (int i = 0; i < 2; i++)
        {
            SegmentedObject item = result.Objects[i];
            SegmentationMask mask = Assert.IsType<SegmentationMask>(item.Mask);

            // Expected: the independent reference decoder's logits (tools/reference/vqvae_decoder.py) placed in the box.
            var expected = SegmentationMask.FromLogits(SegmentationFixtures.Logits(i == 0 ? 2 : 5), item.Box, 320, 240);
            Assert.Equal(expected.ToCocoRle().Counts, mask.ToCocoRle().Counts);
            Assert.Equal(320, mask.ImageWidth);
            Assert.Equal(240, mask.ImageHeight);
        }
    }

    [Fact]
    public async Task The_options_decoder_wins_and_without_any_decoder_masks_are_null()
    {
        int[] codes = SegmentationFixtures.Codes()[2];
        using var withoutDecoder = new MaskServingChatClient(SegmentText(codes, "cat"), null);

        SegmentationResult none = await new PaliGemmaVision(withoutDecoder).SegmentAsync(Png, ["cat"]);
        SegmentationResult viaOptions = await new PaliGemmaVision(withoutDecoder, new PaliGemmaVisionOptions { MaskDecoder = masked.Model.MaskDecoder }).SegmentAsync(Png, ["cat"]);

        Assert.Null(Assert.Single(none.Objects).Mask);
        Assert.NotNull(Assert.Single(viaOptions.Objects).Mask);
        Assert.Equal(codes, viaOptions.Objects[0].MaskTokens);
    }

    [Fact]
    public async Task Malformed_segment_groups_get_no_mask_and_no_exception()
    {
        int[] codes = SegmentationFixtures.Codes()[2];
        string answer = SegmentText(codes.Take(15).ToArray(), "short") + " ; " + SegmentText(codes, "cat");
        using var client = new MaskServingChatClient(answer, masked.Model.MaskDecoder);

        SegmentationResult result = await new PaliGemmaVision(client).SegmentAsync(Png, ["cat"]);

        Assert.All(result.Objects, o => Assert.True(o.Mask is not null || o.MaskTokens.Count != 16, o.Label));
        Assert.Contains(result.Objects, o => o.Label == "cat" && o.Mask is not null);
    }

    [Fact]
    public async Task SegmentAsync_on_the_real_tiny_model_returns_a_mask_for_every_parsed_object()
    {
        using var client = new PaliGemmaChatClient(masked.Model);
        IPaliGemmaVision vision = new PaliGemmaVision(client, new PaliGemmaVisionOptions { MaxOutputTokens = 48 });

        SegmentationResult result = await vision.SegmentAsync(Png, ["cat"]);

        // Random weights rarely write a complete segment group, so zero objects is a valid outcome; every object
        // the parser accepts must carry a mask, and the decoder must be reachable the way the vision service finds it.
        Assert.Equal(PaliGemmaOutputParser.ParseSegments(result.RawText, 320, 240).Count, result.Objects.Count);
        Assert.All(result.Objects, o => Assert.NotNull(o.Mask));
        Assert.Same(masked.Model.MaskDecoder, ((IChatClient)client).GetService<MaskDecoder>());
    }
}
