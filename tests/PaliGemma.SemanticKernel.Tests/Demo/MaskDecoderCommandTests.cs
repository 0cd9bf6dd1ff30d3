using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.Cli.Commands;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Masks;
using PaliGemma.SemanticKernel.Tests.TestModels;

namespace PaliGemma.SemanticKernel.Tests.Demo;

/// <summary><c>paligemma mask-decoder</c> into a model folder names the decoder in the manifest, so the model loads it.</summary>
public sealed class MaskDecoderCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("pg-maskcmd-").FullName;

    [Fact]
    public void Writing_into_a_model_folder_registers_the_decoder_and_the_model_loads_it()
    {
        string folder = Path.Combine(_work, "model");
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(AgentModelFixture.Folder).Where(f => !f.EndsWith("mask_decoder.onnx", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        // Start from a folder whose manifest names no decoder.
        string manifestPath = Path.Combine(folder, PaliGemmaManifest.FileName);
        PaliGemmaManifest original = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(manifestPath), PaliGemmaManifestJsonContext.Default.PaliGemmaManifest)!;
        PaliGemma.Onnx.Conversion.PaliGemmaConverter.WriteManifest(manifestPath, original with { Files = original.Files with { MaskDecoder = null } });
        using (PaliGemmaModel before = PaliGemmaModel.Load(folder))
        {
            Assert.Null(before.MaskDecoder);
        }

        string npz = Path.Combine(_work, "vae.npz");
        RandomVqVaeCheckpoint.Write(npz, seed: 9, codebookSize: 128, embeddingDim: 8, width: 8, upsampleChannels: [8, 8, 4, 4]);
        string onnx = Path.Combine(folder, "masks.onnx");
        MaskDecoderExporter.Export(npz, onnx);

        Assert.Equal(manifestPath, MaskDecoderCommand.RegisterInModelFolder(onnx));

        using PaliGemmaModel model = PaliGemmaModel.Load(folder);
        Assert.Equal("masks.onnx", model.Manifest.Files.MaskDecoder);
        Assert.Equal(onnx, model.MaskDecoder?.ModelPath);
    }

    [Fact]
    public void Writing_outside_a_model_folder_changes_nothing()
    {
        Assert.Null(MaskDecoderCommand.RegisterInModelFolder(Path.Combine(_work, "mask_decoder.onnx")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_work));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
