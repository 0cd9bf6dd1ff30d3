using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.AI.Tests.TestSupport;

namespace PaliGemma.AI.Tests.Runtime;

/// <summary>
/// The same request run by <c>paligemma run</c> in two separate processes and in this process gives the same
/// text: nothing in the engine depends on process state, thread timing or an unseeded random source.
/// </summary>
public sealed class CrossProcessTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Theory]
    [InlineData(TinyModelKind.PaliGemma1At224)]
    [InlineData(TinyModelKind.PaliGemma2At224)]
    public async Task Cli_run_in_two_processes_matches_in_process_generation(TinyModelKind kind)
    {
        string image = CliProcess.FixtureImage("photo.jpg");
        string folder = TinyModelFixture.FolderOf(kind);
        PaliGemmaModel model = fixture.Model(kind);

        PreprocessedImage pixels = PaliGemmaImageProcessor.PreprocessFile(image, model.ImageSize);
        float[] features = model.EncodeImage(pixels.PixelValues);
        // Text of the generated tokens (stop token excluded), decoded as a batch: the CLI streams it.
        int[] generated = [.. model.Generate(features, model.BuildPromptIds("caption en"), new PaliGemmaGenerationSettings { MaxNewTokens = 32 })
            .Where(token => !token.IsStop).Select(token => token.Id)];
        string expected = model.Decode(generated);

        Assert.NotEqual(string.Empty, expected);
        string[] args = ["run", "--model", folder, "--image", image, "--prompt", "caption en", "--max-tokens", "32"];
        var results = await Task.WhenAll(CliProcess.RunAsync(args), CliProcess.RunAsync(args));
        foreach (var (exitCode, stdout, stderr) in results)
        {
            Assert.True(exitCode == 0, $"paligemma run exited with {exitCode}: {stderr}");
            Assert.Equal(expected, stdout.TrimEnd('\n', '\r'));
        }
    }

    [Fact]
    public async Task Cli_run_reports_a_broken_folder_in_one_line_with_exit_code_1()
    {
        string folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma1At224);
        try
        {
            File.Delete(Path.Combine(folder, "decoder.onnx"));
            var (exitCode, stdout, stderr) = await CliProcess.RunAsync(["run", "--model", folder, "--image", CliProcess.FixtureImage("photo.jpg"), "--prompt", "caption en"]);
            Assert.Equal(1, exitCode);
            Assert.Equal(string.Empty, stdout);
            Assert.Contains(Path.Combine(folder, "decoder.onnx"), stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }
}
