using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma run --model DIR --image FILE --prompt "caption en" [--max-tokens N]</c>: one generation from a
/// model folder. The answer text streams to standard output (the stop token is not printed); load and
/// generation figures go to standard error. With <c>--annotate out.png</c> the detections (<c>detect …</c>) or
/// segments (<c>segment …</c>, with masks when the folder has a mask decoder) are drawn onto the image; see <see cref="RunAnnotation"/>.
/// </summary>
internal static class RunCommand
{
    /// <summary>Builds the <c>run</c> command.</summary>
    public static Command Create()
    {
        Option<DirectoryInfo?> model = ModelOption.Create("The model folder (paligemma.json, genai_config.json, vision.onnx, decoder.onnx, tokenizer.json).");
        var image = new Option<FileInfo>("--image", "-i") { Description = "The image file (JPEG, PNG, …).", Required = true };
        var prompt = new Option<string>("--prompt", "-p") { Description = "The PaliGemma prefix, e.g. \"caption en\", \"detect cat ; dog\", \"ocr\".", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature; 0 = greedy (default)." };
        var topK = new Option<int>("--top-k") { Description = "Sample from the K most likely tokens; 0 = no limit." };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass in (0, 1].", DefaultValueFactory = _ => 1f };
        var seed = new Option<int?>("--seed") { Description = "Random seed for sampling." };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");
        var annotate = new Option<FileInfo?>("--annotate") { Description = "Write the image with the boxes, labels and masks of a detect/segment answer drawn on it (PNG). Other prompts write the image unannotated, with a note on stderr." };

        var command = new Command("run", "Generate text for one image and prompt.")
        {
            model, image, prompt, maxTokens, temperature, topK, topP, seed, provider, annotate,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string modelPath;
            try
            {
                modelPath = ModelOption.Resolve(parse.GetValue(model), Console.Error);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CommandRunner.WriteError(ex.Message);
                return Task.FromResult(1);
            }

            var request = new RunRequest(
                modelPath,
                parse.GetRequiredValue(image).FullName,
                parse.GetRequiredValue(prompt),
                new PaliGemmaGenerationSettings
                {
                    MaxNewTokens = parse.GetValue(maxTokens),
                    Temperature = parse.GetValue(temperature),
                    TopK = parse.GetValue(topK),
                    TopP = parse.GetValue(topP),
                    Seed = parse.GetValue(seed),
                },
                parse.GetValue(provider) ?? "cpu",
                parse.GetValue(annotate)?.FullName);
            return Task.FromResult(Execute(request, Console.Out, Console.Error, cancellationToken));
        });
        return command;
    }

    /// <summary>Runs one request; returns the process exit code (0 success, 1 bad input or model, 130 cancelled).</summary>
    internal static int Execute(RunRequest request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            using PaliGemmaModel model = PaliGemmaModel.Load(request.ModelPath, new PaliGemmaModelOptions { ExecutionProvider = request.Provider, Progress = new StageProgress(error) });
            double loadSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            PreprocessedImage image = PaliGemmaImageProcessor.PreprocessFile(request.ImagePath, model.ImageSize);
            float[] features = model.EncodeImage(image.PixelValues);
            int[] promptIds = model.BuildPromptIds(request.Prompt);
            double encodeSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            int count = 0;
            double firstTokenSeconds = 0;
            string finish = "length";
            var answer = new StringBuilder();
            using (PaliGemmaTextDecoder decoder = model.CreateTextDecoder())
            {
                foreach (GeneratedToken token in model.Generate(features, promptIds, request.Settings, cancellationToken))
                {
                    if (++count == 1)
                    {
                        firstTokenSeconds = clock.Elapsed.TotalSeconds;
                    }

                    if (token.IsStop)
                    {
                        finish = "stop";
                        break;
                    }

                    string piece = decoder.Append(token.Id);
                    answer.Append(piece);
                    output.Write(piece);
                }

                string rest = decoder.Flush();
                answer.Append(rest);
                output.Write(rest);
            }

            output.WriteLine();
            output.Flush();
            double generateSeconds = clock.Elapsed.TotalSeconds;
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"model {model.ModelId}: load {loadSeconds:F2} s, image+prompt {encodeSeconds:F2} s, {promptIds.Length} prompt tokens, {count} generated in {generateSeconds:F2} s (first token {firstTokenSeconds:F2} s, then {(count > 1 ? (count - 1) / (generateSeconds - firstTokenSeconds) : 0):F1} tokens/s), finish: {finish}"));
            if (request.AnnotatePath is { } annotatePath)
            {
                RunAnnotation.Write(annotatePath, request.ImagePath, request.Prompt, answer.ToString(), image.OriginalWidth, image.OriginalHeight, model.MaskDecoder, error);
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is PaliGemmaModelException or PaliGemmaImageException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>The inputs of one <c>run</c>.</summary>
    internal sealed record RunRequest(string ModelPath, string ImagePath, string Prompt, PaliGemmaGenerationSettings Settings, string Provider, string? AnnotatePath = null);
}
