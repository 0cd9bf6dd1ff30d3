using System.CommandLine;
using PaliGemma.AI;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary><c>paligemma convert</c>: Hugging Face PaliGemma checkpoint → model folder.</summary>
internal static class ConvertCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Option<DirectoryInfo>("--input", "-i") { Description = "Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json).", Required = true };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Model folder to create.", Required = true };
        var precision = PrecisionOption();
        var modelId = new Option<string?>("--model-id") { Description = "Model id stored in paligemma.json (default: the input folder's name)." };
        var maxLength = new Option<int?>("--max-sequence-length") { Description = "Maximum prompt + generated tokens (default: the decoder's max_position_embeddings)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output folder once the new one is complete." };
        var fullLogits = new Option<bool>("--full-logits") { Description = "Decoder outputs logits for every prompt position (for fidelity checks). By default it outputs the last position's only, which is all generation needs: full logits cost prompt length x vocabulary floats per request (4.2 GB at 896 px)." };
        var window = new Option<string>("--sliding-window") { Description = "Gemma 2 sliding-window semantics: hf (transformers >= 4.53), hf-legacy, symmetric (big_vision).", DefaultValueFactory = _ => "hf" };
        window.AcceptOnlyFromAmong("hf", "hf-legacy", "symmetric");

        var command = new Command("convert", "Convert a Hugging Face PaliGemma checkpoint into an ONNX model folder.")
        {
            input, output, precision, modelId, maxLength, overwrite, fullLogits, window,
        };

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ConvertOptions
            {
                InputDirectory = parse.GetRequiredValue(input).FullName,
                OutputDirectory = parse.GetRequiredValue(output).FullName,
                Precision = ParsePrecision(parse.GetValue(precision)),
                ModelId = parse.GetValue(modelId),
                MaxSequenceLength = parse.GetValue(maxLength),
                Overwrite = parse.GetValue(overwrite),
                Decoder = new DecoderExportOptions
                {
                    LastTokenLogitsOnly = !parse.GetValue(fullLogits),
                    SlidingWindowMode = parse.GetValue(window) switch
                    {
                        "hf-legacy" => SlidingWindowMode.HfLegacy,
                        "symmetric" => SlidingWindowMode.Symmetric,
                        _ => SlidingWindowMode.Hf,
                    },
                },
            };
            PaliGemmaManifest manifest = Convert(options);
            AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(options.OutputDirectory)}[/] ({Markup.Escape(manifest.Architecture)}, {manifest.ImageSize} px, {manifest.Precision}).");
            return 0;
        }));
        return command;
    }

    /// <summary>Runs a conversion with a progress display.</summary>
    public static PaliGemmaManifest Convert(ConvertOptions options)
        => ConversionProgress.Show(progress => PaliGemmaConverter.Convert(options with { Progress = progress }));

    /// <summary>The shared <c>--precision fp32|fp16</c> option.</summary>
    public static Option<string> PrecisionOption()
    {
        var option = new Option<string>("--precision", "-p") { Description = "Weight precision: fp32 or fp16.", DefaultValueFactory = _ => "fp32" };
        option.AcceptOnlyFromAmong("fp32", "fp16");
        return option;
    }

    /// <summary>Maps <c>fp32</c>/<c>fp16</c> to <see cref="ModelPrecision"/>.</summary>
    public static ModelPrecision ParsePrecision(string? value) => value switch
    {
        null or "fp32" => ModelPrecision.Float32,
        "fp16" => ModelPrecision.Float16,
        _ => throw new ArgumentException($"Unknown precision '{value}'; use fp32 or fp16."),
    };
}
