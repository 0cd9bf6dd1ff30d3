using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaliGemma.AI;
using PaliGemma.AI.Constraints;
using PaliGemma.AI.Runtime;

namespace PaliGemma.Cli.Bench;

/// <summary>The result of <c>paligemma bench --constrained</c>.</summary>
/// <param name="Model">The model id.</param>
/// <param name="Precision">The folder's precision.</param>
/// <param name="VocabSize">The logits row width (what the mask touches per step).</param>
/// <param name="Prompt">The detect or segment prompt.</param>
/// <param name="Pairs">Free/constrained generation pairs timed (back to back).</param>
/// <param name="FreeTokens">Tokens of one free generation.</param>
/// <param name="ConstrainedTokens">Tokens of one constrained generation.</param>
/// <param name="FreeMsPerToken">Median wall milliseconds per decoded token, free.</param>
/// <param name="ConstrainedMsPerToken">Median wall milliseconds per decoded token, constrained.</param>
/// <param name="WallRatio">Median over the pairs of constrained / free wall time per token.</param>
/// <param name="FreeCpuMsPerToken">Median process CPU milliseconds per decoded token, free.</param>
/// <param name="ConstrainedCpuMsPerToken">Median process CPU milliseconds per decoded token, constrained.</param>
/// <param name="CpuRatio">Median over the pairs of constrained / free process CPU time per token.</param>
/// <param name="FreeText">The free answer.</param>
/// <param name="ConstrainedText">The constrained answer.</param>
internal sealed record ConstrainedBenchResult(
    string Model, string Precision, int VocabSize, string Prompt, int Pairs, int FreeTokens, int ConstrainedTokens,
    double FreeMsPerToken, double ConstrainedMsPerToken, double WallRatio,
    double FreeCpuMsPerToken, double ConstrainedCpuMsPerToken, double CpuRatio, string FreeText, string ConstrainedText);

/// <summary>Source-generated JSON for <see cref="ConstrainedBenchResult"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ConstrainedBenchResult))]
internal sealed partial class ConstrainedBenchJsonContext : JsonSerializerContext;

/// <summary>
/// <c>paligemma bench --constrained</c>: the per-token cost of constrained decoding. The library loop
/// (<see cref="PaliGemmaModel.Generate"/>, features precomputed) runs the prompt free and under its output grammar, back to
/// back, <c>--runs</c> × 10 times; per pair it takes the decode time per token (first token excluded: the prefill) of each,
/// in wall time and in process CPU time (less sensitive to other work on the machine), and reports the medians and the
/// median ratio constrained / free.
/// </summary>
internal static class ConstrainedBench
{
    private const int PairsPerRun = 10;

    /// <summary>Runs the measurement; <paramref name="log"/> receives progress lines.</summary>
    public static ConstrainedBenchResult Run(string modelFolder, string imagePath, string prompt, int tokens, int runs, int threads, Action<string> log)
    {
        if (!PaliGemmaTask.TryParse(prompt, out PaliGemmaTask? task) || task.Kind is not (PaliGemmaTaskKind.Detect or PaliGemmaTaskKind.Segment))
        {
            throw new ArgumentException($"--constrained needs a detect or segment --prompt; '{prompt}' is not one.");
        }

        log("loading the model");
        using PaliGemmaModel model = PaliGemmaModel.Load(Path.GetFullPath(modelFolder), new PaliGemmaModelOptions { IntraOpNumThreads = threads });
        float[] features = model.EncodeImage(PaliGemmaImageProcessor.Preprocess(File.ReadAllBytes(imagePath), model.ImageSize).PixelValues);
        int[] ids = model.BuildPromptIds(prompt);
        PaliGemmaOutputConstraint constraint = model.CreateOutputConstraint(task);
        Measure(model, features, ids, tokens, null);
        Measure(model, features, ids, tokens, constraint); // warm-up of both paths

        var free = new List<(double Wall, double Cpu)>();
        var constrained = new List<(double Wall, double Cpu)>();
        int pairs = runs * PairsPerRun;
        for (int i = 0; i < pairs; i++)
        {
            if (i % PairsPerRun == 0)
            {
                log($"pairs {i + 1}–{i + PairsPerRun} of {pairs}");
            }

            free.Add(Measure(model, features, ids, tokens, null));
            constrained.Add(Measure(model, features, ids, tokens, constraint));
        }

        string Text(PaliGemmaOutputConstraint? c, out int count)
        {
            int[] output = [.. model.Generate(features, ids, new PaliGemmaGenerationSettings { MaxNewTokens = tokens, Constraint = c }).Select(t => t.Id)];
            count = output.Length;
            return model.Decode(output);
        }

        string freeText = Text(null, out int freeTokens);
        string constrainedText = Text(constraint, out int constrainedTokens);
        return new ConstrainedBenchResult(
            model.ModelId, model.Manifest.Precision, model.Manifest.VocabSize, prompt, pairs, freeTokens, constrainedTokens,
            BenchRunner.Median(free.Select(f => f.Wall)), BenchRunner.Median(constrained.Select(c => c.Wall)),
            BenchRunner.Median(free.Zip(constrained, (f, c) => c.Wall / f.Wall)),
            BenchRunner.Median(free.Select(f => f.Cpu)), BenchRunner.Median(constrained.Select(c => c.Cpu)),
            BenchRunner.Median(free.Zip(constrained, (f, c) => c.Cpu / f.Cpu)),
            freeText, constrainedText);
    }

    /// <summary>Writes the result as JSON.</summary>
    public static void WriteJson(ConstrainedBenchResult result, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(result, ConstrainedBenchJsonContext.Default.ConstrainedBenchResult));

    /// <summary>One line per figure, for the console.</summary>
    public static IEnumerable<string> Lines(ConstrainedBenchResult r)
    {
        string F(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);
        yield return $"{r.Model} ({r.Precision}, vocabulary {r.VocabSize}), '{r.Prompt}', {r.Pairs} pairs";
        yield return $"free:        {F(r.FreeMsPerToken)} ms/token wall, {F(r.FreeCpuMsPerToken)} ms/token CPU ({r.FreeTokens} tokens)";
        yield return $"constrained: {F(r.ConstrainedMsPerToken)} ms/token wall, {F(r.ConstrainedCpuMsPerToken)} ms/token CPU ({r.ConstrainedTokens} tokens)";
        yield return $"ratio constrained / free per token: {F(r.WallRatio)} wall, {F(r.CpuRatio)} CPU (medians of the pairs)";
        yield return $"free text:        {r.FreeText}";
        yield return $"constrained text: {r.ConstrainedText}";
    }

    /// <summary>Decode time per token after the first, wall and process CPU, in milliseconds.</summary>
    private static (double Wall, double Cpu) Measure(PaliGemmaModel model, float[] features, int[] prompt, int tokens, PaliGemmaOutputConstraint? constraint)
    {
        using var process = Process.GetCurrentProcess();
        var clock = new Stopwatch();
        TimeSpan cpuStart = TimeSpan.Zero;
        int count = 0;
        foreach (GeneratedToken token in model.Generate(features, prompt, new PaliGemmaGenerationSettings { MaxNewTokens = tokens, Constraint = constraint }))
        {
            _ = token;
            if (++count == 1)
            {
                process.Refresh();
                cpuStart = process.TotalProcessorTime;
                clock.Start();
            }
        }

        clock.Stop();
        process.Refresh();
        double steps = Math.Max(1, count - 1);
        return (clock.Elapsed.TotalMilliseconds / steps, (process.TotalProcessorTime - cpuStart).TotalMilliseconds / steps);
    }
}
