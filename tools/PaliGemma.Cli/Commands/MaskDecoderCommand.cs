using System.CommandLine;
using PaliGemma.Onnx.Masks;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary><c>paligemma mask-decoder</c>: big_vision's <c>vae-oid.npz</c> → <c>mask_decoder.onnx</c>.</summary>
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
            return 0;
        }));
        return command;
    }
}
