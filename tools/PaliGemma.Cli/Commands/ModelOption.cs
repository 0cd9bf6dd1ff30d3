using System.CommandLine;
using PaliGemma.Onnx.Bundled;

namespace PaliGemma.Cli.Commands;

/// <summary>
/// The <c>--model</c> option of the commands that run a model. Left out, it means the bundled offline default model
/// (<see cref="SceneModel"/>, <c>paligemma2-tiny-scenes</c>), converted into the cache on first use.
/// </summary>
internal static class ModelOption
{
    /// <summary>Creates the option; <paramref name="description"/> says what the folder must hold.</summary>
    public static Option<DirectoryInfo?> Create(string description) => new("--model", "-m")
    {
        Description = $"{description} Default: the bundled {SceneModel.Name} model (a tiny PaliGemma 2 trained on synthetic shape scenes), converted on first use.",
    };

    /// <summary>Returns the folder given, or the bundled model's converted folder (a conversion note and its progress go to <paramref name="log"/>).</summary>
    public static string Resolve(DirectoryInfo? value, TextWriter log) =>
        value?.FullName ?? SceneModel.EnsureModelFolder(log: log.WriteLine, progress: new StageProgress(log));
}
