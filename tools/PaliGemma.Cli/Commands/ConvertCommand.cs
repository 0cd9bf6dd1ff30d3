using System.CommandLine;
using PaliGemma.AI;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;
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
        var maskDecoder = MaskDecoderOption();
        var int4 = new Int4Options();
        var layout = new Option<string>("--layout") { Description = "Folder layout: paligemma (this library's model folder) or transformers-js (the same weights as transformers.js's vision_encoder / embed_tokens / decoder_model_merged, for the benchmark baseline).", DefaultValueFactory = _ => "paligemma" };
        layout.AcceptOnlyFromAmong("paligemma", "transformers-js");

        var command = new Command("convert", "Convert a Hugging Face PaliGemma checkpoint into an ONNX model folder.")
        {
            input, output, precision, modelId, maxLength, overwrite, fullLogits, window, maskDecoder, layout,
            int4.BlockSize, int4.Asymmetric, int4.AccuracyLevel, int4.FloatHead,
        };

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ConvertOptions
            {
                InputDirectory = parse.GetRequiredValue(input).FullName,
                OutputDirectory = parse.GetRequiredValue(output).FullName,
                Precision = ParsePrecision(parse.GetValue(precision)),
                Layout = parse.GetValue(layout) == "transformers-js" ? ModelLayout.TransformersJs : ModelLayout.PaliGemma,
                ModelId = parse.GetValue(modelId),
                MaxSequenceLength = parse.GetValue(maxLength),
                Overwrite = parse.GetValue(overwrite),
                MaskDecoderNpzPath = parse.GetValue(maskDecoder)?.FullName,
                Int4 = int4.Parse(parse),
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
            string masks = options.Layout == ModelLayout.TransformersJs ? "transformers.js layout" : manifest.Files.MaskDecoder is null ? "no mask decoder" : "mask decoder " + manifest.Files.MaskDecoder;
            AnsiConsole.MarkupLine($"Wrote [green]{Markup.Escape(options.OutputDirectory)}[/] ({Markup.Escape(manifest.Architecture)}, {manifest.ImageSize} px, {manifest.Precision}, {Markup.Escape(masks)}).");
            return 0;
        }));
        return command;
    }

    /// <summary>Runs a conversion with a progress display.</summary>
    public static PaliGemmaManifest Convert(ConvertOptions options)
        => ConversionProgress.Show(progress => PaliGemmaConverter.Convert(options with { Progress = progress }));

    /// <summary>The shared <c>--mask-decoder FILE</c> option (big_vision's <c>vae-oid.npz</c>).</summary>
    public static Option<FileInfo?> MaskDecoderOption() =>
        new("--mask-decoder") { Description = "big_vision's VQ-VAE weights (vae-oid.npz): also export mask_decoder.onnx into the folder so `segment` returns masks." };

    /// <summary>The shared <c>--precision fp32|fp16|int4</c> option.</summary>
    public static Option<string> PrecisionOption()
    {
        var option = new Option<string>("--precision", "-p") { Description = "Weight precision: fp32, fp16 or int4 (MatMulNBits linear layers).", DefaultValueFactory = _ => "fp32" };
        option.AcceptOnlyFromAmong("fp32", "fp16", "int4");
        return option;
    }

    /// <summary>Maps <c>fp32</c>/<c>fp16</c>/<c>int4</c> to <see cref="ModelPrecision"/>.</summary>
    public static ModelPrecision ParsePrecision(string? value) => value switch
    {
        null or "fp32" => ModelPrecision.Float32,
        "fp16" => ModelPrecision.Float16,
        "int4" => ModelPrecision.Int4,
        _ => throw new ArgumentException($"Unknown precision '{value}'; use fp32, fp16 or int4."),
    };

    /// <summary>The <c>--int4-*</c> options of an int4 conversion.</summary>
    internal sealed class Int4Options
    {
        public Option<int> BlockSize { get; } = new("--int4-block-size") { Description = "int4: elements per quantisation block (32, 64 or 128).", DefaultValueFactory = _ => 32 };

        public Option<bool> Asymmetric { get; } = new("--int4-asymmetric") { Description = "int4: per-block zero points (asymmetric) instead of symmetric blocks." };

        public Option<int> AccuracyLevel { get; } = new("--int4-accuracy-level") { Description = "int4: MatMulNBits accuracy_level (0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute).", DefaultValueFactory = _ => 4 };

        public Option<bool> FloatHead { get; } = new("--int4-fp16-head") { Description = "int4: keep the language-model head as the float16 embedding table instead of a 4-bit copy." };

        public Int4QuantizationOptions Parse(ParseResult parse) => new()
        {
            BlockSize = parse.GetValue(BlockSize),
            Symmetric = !parse.GetValue(Asymmetric),
            AccuracyLevel = parse.GetValue(AccuracyLevel),
            QuantizeLmHead = !parse.GetValue(FloatHead),
        };
    }
}
