using PaliGemma.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.Cli.Bench;

/// <summary>
/// <c>paligemma bench --sweep-threads</c>: loads the model once per setting (the library default, 1 thread, 2 threads,
/// the default with spinning vision threads), one at a time, and measures vision, prefill and decode with the raw
/// GenAI loop, so the default can be judged against the best setting measured in the same process.
/// </summary>
internal static class ThreadSweep
{
    /// <summary>Runs the sweep; the first entry is the library default.</summary>
    public static List<SweepEntry> Run(BenchOptions o, string folder, Action<string> log)
    {
        byte[] image = File.ReadAllBytes(o.ImagePath);
        var settings = new List<(string Name, PaliGemmaModelOptions Options)>
        {
            ("default", new PaliGemmaModelOptions()),
            ("--threads 1", new PaliGemmaModelOptions { IntraOpNumThreads = 1 }),
            ("--threads 2", new PaliGemmaModelOptions { IntraOpNumThreads = 2 }),
            ("default, vision threads spinning", new PaliGemmaModelOptions { AllowSpinning = true }),
        };
        if (Environment.ProcessorCount > 2)
        {
            settings.Add(($"--threads {Environment.ProcessorCount / 2}", new PaliGemmaModelOptions { IntraOpNumThreads = Environment.ProcessorCount / 2 }));
        }

        var entries = new List<SweepEntry>();
        foreach ((string name, PaliGemmaModelOptions options) in settings)
        {
            log($"thread sweep: {name}");
            using PaliGemmaModel model = PaliGemmaModel.Load(folder, options);
            float[] pixels = PaliGemmaImageProcessor.Preprocess(image, model.ImageSize).PixelValues;
            float[] features = model.EncodeImage(pixels);
            double visionMs = BenchRunner.Median(o.Runs, () => model.EncodeImage(pixels));
            int[] prompt = model.BuildPromptIds(o.Prompt);
            HashSet<int> stops = [model.Manifest.TokenIds.Eos, .. model.Manifest.TokenIds.ExtraStop];
            RawGenAiLoop loop = RawGenAiLoop.Over(model);
            int hidden = model.Manifest.TextHiddenSize;
            loop.Run(prompt, features, hidden, o.Tokens, stops);
            var timings = Enumerable.Range(0, o.Runs).Select(_ => loop.Run(prompt, features, hidden, o.Tokens, stops).Timing).ToList();
            entries.Add(new SweepEntry(
                name,
                model.IntraOpNumThreads,
                model.AllowSpinning,
                visionMs,
                BenchRunner.Median(timings.Select(t => t.PrefillMs ?? 0)),
                BenchRunner.Median(timings.Select(t => t.DecodeTokensPerSecond))));
        }

        return entries;
    }
}
