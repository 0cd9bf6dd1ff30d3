using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Masks;
using PaliGemma.Onnx.Tests.Masks;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.Onnx.Tests.Conversion;

/// <summary>One tiny checkpoint shared by the <c>--mask-decoder</c> conversion tests.</summary>
public sealed class MaskConversionCheckpoint : IDisposable
{
    private readonly TempFolder _root = new();

    public MaskConversionCheckpoint()
    {
        Checkpoint = TinyModelGenerator.Generate(_root.File("hf"), new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 28, Seed = 5 });
    }

    public TinyCheckpoint Checkpoint { get; }

    public void Dispose() => _root.Dispose();
}

public sealed class ConverterMaskDecoderTests(MaskConversionCheckpoint source) : IClassFixture<MaskConversionCheckpoint>
{
    [Fact]
    public void Mask_decoder_is_exported_into_the_folder_and_named_by_the_manifest()
    {
        using var work = new TempFolder();
        string output = work.File("model");

        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = source.Checkpoint.Folder,
            OutputDirectory = output,
            MaskDecoderNpzPath = MaskFixtures.Npz,
        });

        Assert.Equal("mask_decoder.onnx", manifest.Files.MaskDecoder);
        Assert.True(File.Exists(Path.Combine(output, "mask_decoder.onnx")));
        using (JsonDocument written = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, PaliGemmaManifest.FileName))))
        {
            Assert.Equal("mask_decoder.onnx", written.RootElement.GetProperty("files").GetProperty("mask_decoder").GetString());
        }

        // The exported decoder reproduces the independent reference (tools/reference/vqvae_decoder.py) on its fixture codes.
        using MaskDecoder decoder = MaskDecoder.Load(Path.Combine(output, "mask_decoder.onnx"));
        Assert.Equal(128, decoder.CodebookSize);
        long[][] codes = MaskFixtures.Codes();
        for (int i = 0; i < 3; i++)
        {
            float[] actual = decoder.DecodeLogits(codes[i].Select(c => (int)c).ToArray());
            float[] expected = MaskFixtures.Logits(i);
            float maxDelta = actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
            Assert.True(maxDelta <= 1e-4f, $"case {i}: max |Δ| {maxDelta}");
        }
    }

    [Fact]
    public void Without_the_option_the_manifest_has_no_mask_decoder()
    {
        using var work = new TempFolder();
        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = source.Checkpoint.Folder, OutputDirectory = work.File("model") });

        Assert.Null(manifest.Files.MaskDecoder);
        Assert.False(File.Exists(Path.Combine(work.File("model"), "mask_decoder.onnx")));
    }

    public static TheoryData<string> BadNpzKinds => ["missing", "not-a-zip", "missing-key", "bad-shape"];

    [Theory]
    [MemberData(nameof(BadNpzKinds))]
    public void A_bad_npz_fails_the_conversion_naming_the_file_and_leaves_nothing_behind(string kind)
    {
        using var work = new TempFolder();
        string npz = work.File("vae-" + kind + ".npz");
        switch (kind)
        {
            case "not-a-zip":
                File.WriteAllText(npz, "this is not an npz archive");
                break;
            case "missing-key":
                NpzWriter.Write(npz, [new NpyArray(VqVaeDecoderWeights.CodebookKey, [128, 8], new float[128 * 8])]);
                break;
            case "bad-shape":
                // A valid archive whose codebook width (8) does not match decoder.0's input channels (16).
                string good = work.File("good.npz");
                RandomVqVaeCheckpoint.Write(good, seed: 1, embeddingDim: 16, width: 8, upsampleChannels: [8, 8, 4, 4]);
                using (NpzArchive archive = NpzArchive.Open(good))
                {
                    var arrays = archive.Names.Select(archive.ReadFloat32)
                        .Select(a => a.Name == VqVaeDecoderWeights.CodebookKey ? new NpyArray(a.Name, [128, 8], new float[128 * 8]) : a)
                        .ToList();
                    NpzWriter.Write(npz, arrays);
                }

                break;
        }

        string parent = work.File("out");
        Directory.CreateDirectory(parent);
        string output = Path.Combine(parent, "model");
        CheckpointException error = Assert.Throws<CheckpointException>(() => PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = source.Checkpoint.Folder,
            OutputDirectory = output,
            MaskDecoderNpzPath = npz,
        }));

        Assert.Contains(npz, error.Message, StringComparison.Ordinal);
        Assert.Contains("vae-oid.npz", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(parent));
    }
}
