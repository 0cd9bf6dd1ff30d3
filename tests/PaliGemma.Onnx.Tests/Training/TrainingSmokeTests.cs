using System.Text.Json;
using PaliGemma.AI;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Tiny;
using PaliGemma.Tests.Shared;

namespace PaliGemma.Onnx.Tests.Training;

/// <summary>
/// Issue 9's training smoke test: a few steps of the real recipe (tools/reference/train.py: mask VQ-VAE, then the tiny
/// PaliGemma 2 on synthetic scenes in two stages, the second starting from the first's checkpoint), its HF-layout
/// export, and that export through our converter and runtime. It needs Debian's Python with python3-torch,
/// python3-numpy and python3-pil; CI (.ci/run) installs them, so under CI a missing Python fails the test. Elsewhere it
/// is skipped with the install command as the reason.
/// </summary>
public sealed class TrainingSmokeTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("pg-train-smoke-").FullName;

    [SkippableFact]
    public async Task A_few_training_steps_export_a_checkpoint_that_converts_and_runs()
    {
        await DebianPython.RequireAsync("the training smoke test");
        string tokenizerDir = Path.Combine(_work, "tiny");
        TinyModelGenerator.Generate(tokenizerDir, new TinyModelOptions { Variant = TinyModelVariant.PaliGemma2, ImageSize = 112 });
        string vae = Path.Combine(_work, "vae.npz");
        string hf = Path.Combine(_work, "hf");
        string train = RepositoryPaths.Combine("tools", "reference", "train.py");

        await RunPythonAsync(train, "vae", "--out", vae, "--steps", "2", "--batch", "4");
        await RunPythonAsync(train, "model", "--work", Path.Combine(_work, "model"), "--tokenizer-dir", tokenizerDir, "--vae", vae,
            "--steps", "3", "--batch", "2", "--warmup", "2", "--log-every", "1", "--export", hf,
            "--vision-steps", "1", "--vision-lr", "3e-3", "--smooth-loc", "--aux-patch", "1", "--loc-sigma", "16",
            "--procs", "2"); // the script's first stage: a vision-only step first, data-parallel over two processes
        await RunPythonAsync(train, "model", "--work", Path.Combine(_work, "model2"), "--tokenizer-dir", tokenizerDir, "--vae", vae,
            "--init-from", Path.Combine(_work, "model", "checkpoint.pt"), "--steps", "2", "--batch", "2", "--warmup", "1",
            "--log-every", "1", "--export", hf, "--aux-patch", "1", "--char-probe", "1", "--detect-all", "0.6", "--loc-sigma", "2",
            "--procs", "2", "--save-steps", "1"); // the second stage: on top of the first, with the character probe

        // Weight averaging: the weights kept after step 1, and the mean of a checkpoint with itself is its own export.
        string model2 = Path.Combine(_work, "model2"), checkpoint = Path.Combine(model2, "checkpoint.pt");
        Assert.True(File.Exists(Path.Combine(model2, "weights-1.pt")), "--save-steps 1 wrote no weights-1.pt");
        string same = Path.Combine(_work, "same"), mean = Path.Combine(_work, "mean");
        await RunPythonAsync(train, "average", "--tokenizer-dir", tokenizerDir, "--out", same, checkpoint, checkpoint);
        await RunPythonAsync(train, "average", "--tokenizer-dir", tokenizerDir, "--out", mean, Path.Combine(model2, "weights-1.pt"), checkpoint);
        byte[] exported = File.ReadAllBytes(Path.Combine(hf, "model.safetensors"));
        Assert.Equal(exported, File.ReadAllBytes(Path.Combine(same, "model.safetensors")));
        Assert.NotEqual(exported, File.ReadAllBytes(Path.Combine(mean, "model.safetensors")));

        using (JsonDocument log = JsonDocument.Parse(File.ReadAllText(Path.Combine(_work, "model2", "loss.json"))))
        {
            // the second stage's log carries on from the first one's: 3 + 2 steps, numbered on
            double[] losses = [.. log.RootElement.GetProperty("loss").EnumerateArray().Select(v => v.GetDouble())];
            int[] steps = [.. log.RootElement.GetProperty("step").EnumerateArray().Select(v => v.GetInt32())];
            Assert.Equal([1, 2, 3, 4, 5], steps);
            Assert.Equal(5, losses.Length);
            Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0, $"loss {l}"));
        }

        string folder = Path.Combine(_work, "onnx");
        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(new ConvertOptions { InputDirectory = hf, OutputDirectory = folder, MaskDecoderNpzPath = vae });
        Assert.Equal(112, manifest.ImageSize);
        Assert.Equal(ModelFileNames.MaskDecoder, manifest.Files.MaskDecoder);

        using PaliGemmaModel model = PaliGemmaModel.Load(folder);
        float[] features = model.EncodeImage(new float[3 * 112 * 112]);
        GeneratedToken[] tokens = [.. model.Generate(features, model.BuildPromptIds("detect circle"), new PaliGemmaGenerationSettings { MaxNewTokens = 4 })];
        Assert.NotEmpty(tokens);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task RunPythonAsync(params string[] args)
    {
        (int exit, string output) = await DebianPython.RunAsync(args, TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"python {string.Join(' ', args)} exited {exit}:\n{output}");
    }
}
