using System.Diagnostics;
using System.Text.Json;
using PaliGemma.Onnx.Bundled;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests.Pipelines;

/// <summary>
/// 50 held-out scenes (seeds 7000..7049, never used in training, which drew from seed 0 upward for far fewer) made by the
/// repository's generator (tools/reference/scenes, Debian's python3-pil and python3-numpy), and the bundled scene model
/// converted once, shared by the pipeline and batch tests.
/// </summary>
public sealed class GeneratedScenes : IDisposable
{
    public const int Count = 50;

    public GeneratedScenes()
    {
        Folder = Directory.CreateTempSubdirectory("pg-pipeline-scenes-").FullName;
        var start = new ProcessStartInfo("/usr/bin/python3", ["-m", "scenes", "--write", Folder, "--start", "7000", "--count", Count.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = RepositoryPaths.Combine("tools", "reference"),
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using (Process python = Process.Start(start)!)
        {
            string stderr = python.StandardError.ReadToEnd();
            python.WaitForExit();
            Assert.True(python.ExitCode == 0, $"the scene generator failed: {stderr}");
        }

        Scenes = [.. File.ReadLines(Path.Combine(Folder, "scenes.jsonl")).Select(Scene.Parse)];
        Assert.Equal(Count, Scenes.Count);
        ModelFolder = SceneModel.EnsureModelFolder(Path.Combine(Folder, "model-cache"), RepositoryPaths.Combine("models", SceneModel.Name));
    }

    public string Folder { get; }

    public string ModelFolder { get; }

    public IReadOnlyList<Scene> Scenes { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>A generated scene's truth.</summary>
    public sealed record Scene(int Seed, string Image, string Masks, IReadOnlyList<SceneObject> Objects)
    {
        public static Scene Parse(string line)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement r = doc.RootElement;
            return new Scene(
                r.GetProperty("seed").GetInt32(),
                r.GetProperty("image").GetString()!,
                r.GetProperty("masks").GetString()!,
                [.. r.GetProperty("objects").EnumerateArray().Select(o => new SceneObject(
                    o.GetProperty("shape").GetString()!,
                    o.GetProperty("colour").GetString()!,
                    Box([.. o.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetSingle())])))]);
        }

        private static BoundingBox Box(float[] b) => new(b[0], b[1], b[2], b[3]);
    }

    /// <summary>One true object: shape, colour and box in pixels.</summary>
    public sealed record SceneObject(string Shape, string Colour, BoundingBox Box);
}

internal static class BoxExtensions
{
    public static double IoU(this BoundingBox a, BoundingBox b)
    {
        double w = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left), h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
        double inter = w > 0 && h > 0 ? w * h : 0;
        double union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }
}
