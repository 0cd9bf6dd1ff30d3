using System.CommandLine;
using PaliGemma.AI;
using PaliGemma.ModelFormat;
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
        var target = TargetOption();
        var visionPrecision = VisionPrecisionOption();
        var modelId = new Option<string?>("--model-id") { Description = "Model id stored in paligemma.json (default: the input folder's name)." };
        var maxLength = new Option<int?>("--max-sequence-length") { Description = "Maximum prompt + generated tokens (default: the decoder's max_position_embeddings)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output folder once the new one is complete." };
        var fullLogits = new Option<bool>("--full-logits") { Description = "Decoder outputs logits for every prompt position (for fidelity checks). By default it outputs the last position's only, which is all generation needs: full logits cost prompt length x vocabulary floats per request (4.2 GB at 896 px)." };
        var window = new Option<string>("--sliding-window") { Description = "Gemma 2 sliding-window semantics: hf (transformers >= 4.53), hf-legacy, symmetric (big_vision).", DefaultValueFactory = _ => "hf" };
        window.AcceptOnlyFromAmong("hf", "hf-legacy", "symmetric");
        var maskDecoder = MaskDecoderOption();
        var lora = new Option<DirectoryInfo?>("--lora") { Description = "A Hugging Face PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) to merge into the checkpoint before export (W + scale*B*A, before fp16/int4 conversion)." };
        var loraAdapters = new Option<string[]>("--lora-adapter") { Description = "NAME=DIR: also convert the PEFT LoRA adapter in DIR as a run-time adapter that requests select by NAME (repeatable; adapter.NAME.*.onnx_adapter files, listed in paligemma.json)." };
        var int4 = new Int4Options();
        var layout = new Option<string>("--layout") { Description = "Folder layout: paligemma (this library's model folder) or transformers-js (the same weights as transformers.js's vision_encoder / embed_tokens / decoder_model_merged, for the benchmark baseline).", DefaultValueFactory = _ => "paligemma" };
        layout.AcceptOnlyFromAmong("paligemma", "transformers-js");

        var command = new Command("convert", "Convert a Hugging Face PaliGemma checkpoint into an ONNX model folder.")
        {
            input, output, precision, target, visionPrecision, modelId, maxLength, overwrite, fullLogits, window, maskDecoder, lora, loraAdapters, layout,
            int4.BlockSize, int4.HeadBlockSize, int4.Asymmetric, int4.AccuracyLevel, int4.FloatHead,
        };

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new ConvertOptions
            {
                InputDirectory = parse.GetRequiredValue(input).FullName,
                OutputDirectory = parse.GetRequiredValue(output).FullName,
                Target = ParseTarget(parse.GetValue(target)),
                Precision = ParsePrecision(parse.GetValue(precision)),
                VisionPrecision = ParsePrecision(parse.GetValue(visionPrecision)),
                Layout = parse.GetValue(layout) == "transformers-js" ? ModelLayout.TransformersJs : ModelLayout.PaliGemma,
                ModelId = parse.GetValue(modelId),
                MaxSequenceLength = parse.GetValue(maxLength),
                Overwrite = parse.GetValue(overwrite),
                MaskDecoderNpzPath = parse.GetValue(maskDecoder)?.FullName,
                LoraAdapterDirectory = parse.GetValue(lora)?.FullName,
                RuntimeLoraAdapters = ParseAdapters(parse.GetValue(loraAdapters)),
                Int4 = int4.Parse(parse, ParsePrecision(parse.GetValue(precision)) is null && ParseTarget(parse.GetValue(target)) == ConversionTarget.Cpu),
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

    /// <summary>Parses repeated <c>--lora-adapter NAME=DIR</c> values (names are checked by the converter).</summary>
    private static Dictionary<string, string>? ParseAdapters(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return null;
        }

        var adapters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in values)
        {
            int eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == value.Length - 1)
            {
                throw new ArgumentException($"--lora-adapter '{value}' is not NAME=DIR.");
            }

            if (!adapters.TryAdd(value[..eq], Path.GetFullPath(value[(eq + 1)..])))
            {
                throw new ArgumentException($"--lora-adapter name '{value[..eq]}' is given twice.");
            }
        }

        return adapters;
    }

    /// <summary>Runs a conversion with a progress display.</summary>
    public static PaliGemmaManifest Convert(ConvertOptions options)
        => ConversionProgress.Show(progress => PaliGemmaConverter.Convert(options with { Progress = progress }));

    /// <summary>The shared <c>--mask-decoder FILE</c> option (big_vision's <c>vae-oid.npz</c>).</summary>
    public static Option<FileInfo?> MaskDecoderOption() =>
        new("--mask-decoder") { Description = "big_vision's VQ-VAE weights (vae-oid.npz): also export mask_decoder.onnx into the folder so `segment` returns masks." };

    /// <summary>The shared <c>--precision auto|fp32|fp16|int4</c> option (default auto).</summary>
    public static Option<string> PrecisionOption()
    {
        var option = new Option<string>("--precision", "-p")
        {
            Description = "Weight precision: auto (default: the CPU mix for --target cpu, see docs/performance.md \"int4 precision mixes\"; fp16 for --target cuda), fp32, fp16 or int4 (MatMulNBits linear layers).",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "fp32", "fp16", "int4");
        return option;
    }

    /// <summary>The shared <c>--target cpu|cuda</c> option: the execution provider <c>--precision auto</c> picks for.</summary>
    public static Option<string> TargetOption()
    {
        var option = new Option<string>("--target") { Description = "The execution provider the folder is for: cpu (default; auto precision = 4-bit decoder in blocks of 16 with zero points, fp16 vision tower) or cuda (auto precision = fp16).", DefaultValueFactory = _ => "cpu" };
        option.AcceptOnlyFromAmong("cpu", "cuda");
        return option;
    }

    /// <summary>The shared <c>--vision-precision auto|fp32|fp16|int4</c> option.</summary>
    public static Option<string> VisionPrecisionOption()
    {
        var option = new Option<string>("--vision-precision") { Description = "Weight precision of the vision tower and projector: auto (default: as --precision, or the CPU mix's choice when that is auto), fp32, fp16 or int4.", DefaultValueFactory = _ => "auto" };
        option.AcceptOnlyFromAmong("auto", "fp32", "fp16", "int4");
        return option;
    }

    /// <summary>Maps <c>auto</c>/<c>fp32</c>/<c>fp16</c>/<c>int4</c> to <see cref="ModelPrecision"/> (null = auto).</summary>
    public static ModelPrecision? ParsePrecision(string? value) => value switch
    {
        null or "auto" => null,
        "fp32" => ModelPrecision.Float32,
        "fp16" => ModelPrecision.Float16,
        "int4" => ModelPrecision.Int4,
        _ => throw new ArgumentException($"Unknown precision '{value}'; use auto, fp32, fp16 or int4."),
    };

    /// <summary>Maps <c>cpu</c>/<c>cuda</c> to <see cref="ConversionTarget"/>.</summary>
    public static ConversionTarget ParseTarget(string? value) => value switch
    {
        null or "cpu" => ConversionTarget.Cpu,
        "cuda" => ConversionTarget.Cuda,
        _ => throw new ArgumentException($"Unknown target '{value}'; use cpu or cuda."),
    };

    /// <summary>The <c>--int4-*</c> options of an int4 conversion.</summary>
    internal sealed class Int4Options
    {
        public Option<int?> BlockSize { get; } = new("--int4-block-size") { Description = "int4: elements per quantisation block (16, 32, 64 or 128; default 32)." };

        public Option<int?> HeadBlockSize { get; } = new("--int4-head-block-size") { Description = "int4: elements per quantisation block of the language-model head's 4-bit copy (16, 32, 64 or 128; default 128)." };

        public Option<bool> Asymmetric { get; } = new("--int4-asymmetric") { Description = "int4: per-block zero points (asymmetric) instead of symmetric blocks." };

        public Option<int?> AccuracyLevel { get; } = new("--int4-accuracy-level") { Description = "int4: MatMulNBits accuracy_level (0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute; default 4)." };

        public Option<bool> FloatHead { get; } = new("--int4-fp16-head") { Description = "int4: keep the language-model head as the float16 embedding table instead of a 4-bit copy." };

        /// <summary>
        /// The 4-bit settings: the given flags over the automatic CPU mix's settings (<paramref name="autoCpu"/>) or over the
        /// defaults; null when no flag is given, so the converter picks.
        /// </summary>
        public Int4QuantizationOptions? Parse(ParseResult parse, bool autoCpu)
        {
            int? block = parse.GetValue(BlockSize), headBlock = parse.GetValue(HeadBlockSize), accuracy = parse.GetValue(AccuracyLevel);
            bool asymmetric = parse.GetValue(Asymmetric), floatHead = parse.GetValue(FloatHead);
            if (block is null && headBlock is null && accuracy is null && !asymmetric && !floatHead)
            {
                return null;
            }

            Int4QuantizationOptions baseline = autoCpu ? ConvertOptions.CpuAutoInt4 : new Int4QuantizationOptions();
            return baseline with
            {
                BlockSize = block ?? baseline.BlockSize,
                HeadBlockSize = headBlock ?? baseline.HeadBlockSize,
                AccuracyLevel = accuracy ?? baseline.AccuracyLevel,
                Symmetric = baseline.Symmetric && !asymmetric,
                QuantizeLmHead = baseline.QuantizeLmHead && !floatHead,
            };
        }
    }
}
