using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PaliGemma.AI;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// <c>paligemma run --model DIR --image FILE --prompt "caption en" [--max-tokens N]</c>: one generation from a
/// model folder. The answer text streams to standard output (the stop token is not printed); load and
/// generation figures go to standard error.
/// </summary>
internal static class RunCommand
{
    /// <summary>Builds the <c>run</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "The model folder (paligemma.json, genai_config.json, vision.onnx, decoder.onnx, tokenizer.json).", Required = true };
        var image = new Option<FileInfo>("--image", "-i") { Description = "The image file (JPEG, PNG, …).", Required = true };
        var prompt = new Option<string>("--prompt", "-p") { Description = "The PaliGemma prefix, e.g. \"caption en\", \"detect cat ; dog\", \"ocr\".", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature; 0 = greedy (default)." };
        var topK = new Option<int>("--top-k") { Description = "Sample from the K most likely tokens; 0 = no limit." };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass in (0, 1].", DefaultValueFactory = _ => 1f };
        var seed = new Option<int?>("--seed") { Description = "Random seed for sampling." };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");

        var command = new Command("run", "Generate text for one image and prompt.")
        {
            model, image, prompt, maxTokens, temperature, topK, topP, seed, provider,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new RunRequest(
                parse.GetRequiredValue(model).FullName,
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
                parse.GetValue(provider) ?? "cpu");
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
            using PaliGemmaModel model = PaliGemmaModel.Load(request.ModelPath, new PaliGemmaModelOptions { ExecutionProvider = request.Provider });
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

                    output.Write(decoder.Append(token.Id));
                }

                output.Write(decoder.Flush());
            }

            output.WriteLine();
            output.Flush();
            double generateSeconds = clock.Elapsed.TotalSeconds;
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"model {model.ModelId}: load {loadSeconds:F2} s, image+prompt {encodeSeconds:F2} s, {promptIds.Length} prompt tokens, {count} generated in {generateSeconds:F2} s (first token {firstTokenSeconds:F2} s, then {(count > 1 ? (count - 1) / (generateSeconds - firstTokenSeconds) : 0):F1} tokens/s), finish: {finish}"));
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
    internal sealed record RunRequest(string ModelPath, string ImagePath, string Prompt, PaliGemmaGenerationSettings Settings, string Provider);
}
