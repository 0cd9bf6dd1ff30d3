using System.CommandLine;
using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Masks;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma mask-decoder</c>: big_vision's <c>vae-oid.npz</c> → <c>mask_decoder.onnx</c>. When the output lies in a
/// model folder (next to <c>paligemma.json</c>), the manifest's <c>files.mask_decoder</c> is set to it, so the model loads it.
/// </summary>
internal static class MaskDecoderCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "The VQ-VAE weights (big_vision's vae-oid.npz).", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The ONNX file to write, e.g. MODEL/mask_decoder.onnx.", Required = true };
        var command = new Command("mask-decoder", "Export PaliGemma's segmentation mask decoder (VQ-VAE decoder of vae-oid.npz) to ONNX.")
        {
            input, output,
        };

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string outputPath = parse.GetRequiredValue(output).FullName;
            VqVaeDecoderWeights weights = MaskDecoderExporter.Export(parse.GetRequiredValue(input).FullName, outputPath);
            AnsiConsole.MarkupLine(
                $"Wrote [green]{Markup.Escape(outputPath)}[/] (codebook {weights.CodebookSize}×{weights.EmbeddingDim}, upsampling {string.Join("→", weights.UpsampleChannels)}).");
            if (RegisterInModelFolder(outputPath) is { } manifestPath)
            {
                AnsiConsole.MarkupLine($"Set files.mask_decoder in [green]{Markup.Escape(manifestPath)}[/].");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Names <paramref name="onnxPath"/> in the manifest of the folder it was written to, if that folder is a model folder.</summary>
    /// <returns>The manifest updated, or null when there is none.</returns>
    internal static string? RegisterInModelFolder(string onnxPath)
    {
        string manifestPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, PaliGemmaManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return null;
        }

        PaliGemmaManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllText(manifestPath), PaliGemmaManifestJsonContext.Default.PaliGemmaManifest)
                ?? throw new InvalidDataException("the manifest is JSON null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{manifestPath}: cannot register the mask decoder, the manifest is not valid JSON: {ex.Message}", ex);
        }

        PaliGemmaConverter.WriteManifest(manifestPath, manifest with { Files = manifest.Files with { MaskDecoder = Path.GetFileName(onnxPath) } });
        return manifestPath;
    }
}
