using PaliGemma.AI;

namespace PaliGemma.Cli.Evaluation;

/// <summary>The shape classes of the synthetic scenes (<c>tools/reference/scenes</c>), in the generator's order.</summary>
internal static class SceneShapes
{
    /// <summary>circle, square, triangle, star, hexagon.</summary>
    public static IReadOnlyList<string> All { get; } = ["circle", "square", "triangle", "star", "hexagon"];
}

/// <summary>One ground-truth object of a scene.</summary>
/// <param name="Shape">One of <see cref="SceneShapes.All"/>.</param>
/// <param name="Colour">The colour name, for example <c>red</c>.</param>
/// <param name="Box">The pixel box (<c>box_xyxy</c>; right and bottom exclusive).</param>
internal sealed record SceneObject(string Shape, string Colour, BoundingBox Box);

/// <summary>One line of <c>scenes.jsonl</c>: a held-out scene and its ground truth, with file paths made absolute.</summary>
/// <param name="Seed">The generator seed.</param>
/// <param name="ImagePath">The scene image (absolute path).</param>
/// <param name="Size">The image's width and height in pixels.</param>
/// <param name="Caption">The expected caption.</param>
/// <param name="Text">The rendered word or number, or null when the scene has none.</param>
/// <param name="Counts">The number of objects of each shape of <see cref="SceneShapes.All"/>.</param>
/// <param name="Objects">The objects, in file order (object <c>i</c> has label <c>i + 1</c> in the masks image).</param>
/// <param name="MasksPath">The 8-bit label image (absolute path), or null when the record has no <c>masks</c> field.</param>
internal sealed record SceneRecord(
    int Seed,
    string ImagePath,
    int Size,
    string Caption,
    string? Text,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<SceneObject> Objects,
    string? MasksPath);
