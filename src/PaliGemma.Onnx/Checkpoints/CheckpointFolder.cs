namespace PaliGemma.Onnx.Checkpoints;

/// <summary>Opens the weights of a Hugging Face checkpoint folder.</summary>
public static class CheckpointFolder
{
    /// <summary>The single-file weights name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The shard index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Opens <c>model.safetensors.index.json</c> if present, else <c>model.safetensors</c>, else the only
    /// <c>*.safetensors</c> file in <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <exception cref="CheckpointException">No weights, or ambiguous or malformed weights.</exception>
    public static SafetensorsReader Open(string directory) => SafetensorsReader.Open(FindWeights(directory));

    /// <summary>Returns the file <see cref="Open"/> would open (an index or a single safetensors file).</summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <exception cref="CheckpointException">No weights, or ambiguous weights.</exception>
    public static string FindWeights(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new CheckpointException($"Checkpoint folder '{directory}' does not exist.");
        }

        string index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
        {
            return index;
        }

        string single = Path.Combine(directory, SingleFileName);
        if (File.Exists(single))
        {
            return single;
        }

        string[] candidates = Directory.GetFiles(directory, "*.safetensors");
        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new CheckpointException($"Checkpoint folder '{directory}' has no '{SingleFileName}', '{IndexFileName}' or other *.safetensors file."),
            _ => throw new CheckpointException($"Checkpoint folder '{directory}' has {candidates.Length} *.safetensors files but no '{IndexFileName}' saying how they fit together."),
        };
    }
}
