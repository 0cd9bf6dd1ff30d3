using System.CommandLine;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Masks;
using PaliGemma.Onnx.Tiny;
using Spectre.Console;

namespace PaliGemma.Cli.Commands;

/// <summary><c>paligemma create-tiny</c>: a random-weight PaliGemma checkpoint of the real architecture at tiny widths.</summary>
internal static class CreateTinyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new TinyModelOptions();
        var variant = new Option<string>("--variant") { Description = "pg1 (Gemma) or pg2 (Gemma 2).", DefaultValueFactory = _ => "pg2" };
        variant.AcceptOnlyFromAmong("pg1", "pg2");
        var imageSize = new Option<int>("--image-size") { Description = "Image size in pixels (a multiple of 14).", DefaultValueFactory = _ => 224 };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder for the Hugging Face-layout checkpoint.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => defaults.Seed };
        var convert = new Option<bool>("--convert") { Description = "Also convert the checkpoint into a model folder." };
        var modelOutput = new Option<DirectoryInfo?>("--model-output") { Description = "Model folder for --convert (default: <output>-onnx)." };
        var precision = ConvertCommand.PrecisionOption();
        var maskDecoder = ConvertCommand.MaskDecoderOption();
        var randomMaskDecoder = new Option<bool>("--with-mask-decoder") { Description = "With --convert: add a random-weight mask decoder (small VQ-VAE, seeded by --seed), so `segment` returns (meaningless) masks." };
        var dtype = new Option<string>("--dtype") { Description = "Stored tensor type: f32, bf16 or f16.", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "bf16", "f16");
        var layout = new Option<string>("--layout") { Description = "Tensor names: legacy (language_model.model.*) or nested (model.language_model.*).", DefaultValueFactory = _ => "legacy" };
        layout.AcceptOnlyFromAmong("legacy", "nested");
        var shards = new Option<int>("--shards") { Description = "Number of safetensors shards.", DefaultValueFactory = _ => 1 };
        var vocab = new Option<int?>("--vocab-size") { Description = "Decoder vocabulary (default: tokenizer size rounded up to 64; e.g. 257216 for a full-size embedding)." };
        var textHidden = new Option<int>("--text-hidden") { Description = "Decoder width.", DefaultValueFactory = _ => defaults.TextHiddenSize };
        var textLayers = new Option<int>("--text-layers") { Description = "Decoder layers.", DefaultValueFactory = _ => defaults.TextLayers };
        var textIntermediate = new Option<int>("--text-intermediate") { Description = "Decoder MLP width.", DefaultValueFactory = _ => defaults.TextIntermediateSize };
        var visionHidden = new Option<int>("--vision-hidden") { Description = "SigLIP width.", DefaultValueFactory = _ => defaults.VisionHiddenSize };
        var visionLayers = new Option<int>("--vision-layers") { Description = "SigLIP layers.", DefaultValueFactory = _ => defaults.VisionLayers };
        var visionHeads = new Option<int>("--vision-heads") { Description = "SigLIP attention heads.", DefaultValueFactory = _ => defaults.VisionHeads };
        var visionIntermediate = new Option<int>("--vision-intermediate") { Description = "SigLIP MLP width.", DefaultValueFactory = _ => defaults.VisionIntermediateSize };
        var textHeads = new Option<int>("--text-heads") { Description = "Decoder query heads.", DefaultValueFactory = _ => defaults.TextHeads };
        var textKvHeads = new Option<int?>("--text-kv-heads") { Description = "Decoder key/value heads (default 1 for pg1, 2 for pg2)." };
        var headDim = new Option<int>("--head-dim") { Description = "Decoder head width.", DefaultValueFactory = _ => defaults.HeadDim };
        var int4 = new ConvertCommand.Int4Options();
        var weightStd = new Option<float>("--weight-std") { Description = "Standard deviation of the random weight matrices and biases.", DefaultValueFactory = _ => defaults.WeightStd };
        var embeddingStd = new Option<float>("--embedding-std") { Description = "Standard deviation of the random embedding table (with the defaults the tied embeddings make greedy decoding echo the token just fed; e.g. --weight-std 0.3 --embedding-std 0.05 gives outputs that depend on the input).", DefaultValueFactory = _ => defaults.EmbeddingStd };

        var command = new Command("create-tiny", "Write a tiny random-weight PaliGemma checkpoint (Hugging Face layout) for tests and demos.")
        {
            variant, imageSize, output, seed, convert, modelOutput, precision, maskDecoder, randomMaskDecoder, dtype, layout, shards, vocab,
            textHidden, textLayers, textIntermediate, visionHidden, visionLayers,
            visionHeads, visionIntermediate, textHeads, textKvHeads, headDim, weightStd, embeddingStd,
            int4.BlockSize, int4.HeadBlockSize, int4.Asymmetric, int4.AccuracyLevel, int4.FloatHead,
        };

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var options = new TinyModelOptions
            {
                Variant = parse.GetValue(variant) == "pg1" ? TinyModelVariant.PaliGemma1 : TinyModelVariant.PaliGemma2,
                ImageSize = parse.GetValue(imageSize),
                Seed = parse.GetValue(seed),
                DataType = parse.GetValue(dtype) switch { "bf16" => TensorDataType.BFloat16, "f16" => TensorDataType.Float16, _ => TensorDataType.Float32 },
                KeyLayout = parse.GetValue(layout) == "nested" ? CheckpointKeyLayout.Nested : CheckpointKeyLayout.Legacy,
                ShardCount = parse.GetValue(shards),
                VocabSize = parse.GetValue(vocab),
                TextHiddenSize = parse.GetValue(textHidden),
                TextLayers = parse.GetValue(textLayers),
                TextIntermediateSize = parse.GetValue(textIntermediate),
                VisionHiddenSize = parse.GetValue(visionHidden),
                VisionLayers = parse.GetValue(visionLayers),
                VisionHeads = parse.GetValue(visionHeads),
                VisionIntermediateSize = parse.GetValue(visionIntermediate),
                TextHeads = parse.GetValue(textHeads),
                TextKeyValueHeads = parse.GetValue(textKvHeads),
                HeadDim = parse.GetValue(headDim),
                WeightStd = parse.GetValue(weightStd),
                EmbeddingStd = parse.GetValue(embeddingStd),
            };
            string folder = parse.GetRequiredValue(output).FullName;
            string? npz = parse.GetValue(maskDecoder)?.FullName;
            bool randomMasks = parse.GetValue(randomMaskDecoder);
            if ((npz is not null || randomMasks) && !parse.GetValue(convert))
            {
                throw new ArgumentException("--mask-decoder and --with-mask-decoder only apply with --convert.");
            }

            if (npz is not null && randomMasks)
            {
                throw new ArgumentException("Use either --mask-decoder FILE or --with-mask-decoder, not both.");
            }

            TinyCheckpoint tiny = TinyModelGenerator.Generate(folder, options);
            AnsiConsole.MarkupLine($"Wrote tiny checkpoint [green]{Markup.Escape(folder)}[/] ({tiny.Config.Text.ModelType}, {tiny.Config.Vision.ImageSize} px, vocab {tiny.Config.Text.VocabSize}, seed {options.Seed}).");
            if (parse.GetValue(convert))
            {
                string target = parse.GetValue(modelOutput)?.FullName ?? folder.TrimEnd(Path.DirectorySeparatorChar) + "-onnx";
                string? randomNpz = randomMasks ? Path.Combine(Path.GetTempPath(), $"paligemma-vqvae-{Guid.NewGuid():N}.npz") : null;
                try
                {
                    if (randomNpz is not null)
                    {
                        RandomVqVaeCheckpoint.Write(randomNpz, options.Seed, embeddingDim: 8, width: 8, upsampleChannels: [8, 8, 4, 4]);
                    }

                    ConvertCommand.Convert(new ConvertOptions
                    {
                        InputDirectory = folder,
                        OutputDirectory = target,
                        Precision = ConvertCommand.ParsePrecision(parse.GetValue(precision)),
                        Int4 = int4.Parse(parse, ConvertCommand.ParsePrecision(parse.GetValue(precision)) is null),
                        ModelId = $"tiny-{parse.GetValue(variant)}-{options.ImageSize}",
                        Description = $"random weights, tiny {options.Variant} shape, seed {options.Seed}",
                        MaskDecoderNpzPath = npz ?? randomNpz,
                    });
                }
                finally
                {
                    if (randomNpz is not null)
                    {
                        File.Delete(randomNpz);
                    }
                }

                AnsiConsole.MarkupLine($"Wrote model folder [green]{Markup.Escape(target)}[/].");
            }

            return 0;
        }));
        return command;
    }
}
