using System.Text.Json;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>
/// Reads a safetensors checkpoint (one file, or shards listed by a <c>model.safetensors.index.json</c>)
/// through memory maps, one map per file, converting F32 / F16 / BF16 tensors to float32 on demand.
/// Tensor names are exposed in the canonical layout (see <see cref="CheckpointKeys"/>).
/// </summary>
public sealed class SafetensorsReader : ICheckpointReader
{
    private readonly List<SafetensorsShard> _shards;
    private readonly Dictionary<string, (SafetensorsShard Shard, SafetensorsEntry Entry)> _tensors;

    private SafetensorsReader(string sourcePath, List<SafetensorsShard> shards)
    {
        SourcePath = sourcePath;
        _shards = shards;
        _tensors = new Dictionary<string, (SafetensorsShard, SafetensorsEntry)>(StringComparer.Ordinal);
        foreach (SafetensorsShard shard in shards)
        {
            foreach (SafetensorsEntry entry in shard.Entries)
            {
                string canonical = CheckpointKeys.Canonicalize(entry.StoredName);
                if (_tensors.TryGetValue(canonical, out var existing))
                {
                    throw new CheckpointException(
                        $"Checkpoint '{sourcePath}': tensor '{entry.StoredName}' in '{shard.Path}' duplicates '{existing.Entry.StoredName}' in '{existing.Shard.Path}' (both map to '{canonical}').");
                }

                _tensors.Add(canonical, (shard, entry));
            }
        }

        Names = _tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Gets the file that was opened (a <c>.safetensors</c> file or an index).</summary>
    public string SourcePath { get; }

    /// <summary>Gets the weight files, in a stable order (index order of first use, or the single file).</summary>
    public IReadOnlyList<string> Files => _shards.Select(s => s.Path).ToArray();

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Opens a single <c>.safetensors</c> file, or a sharded checkpoint when given its <c>.index.json</c>.</summary>
    /// <param name="path">The file to open.</param>
    /// <exception cref="CheckpointException">The file is missing, malformed or inconsistent.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return OpenIndex(path);
        }

        SafetensorsShard shard = SafetensorsShard.Open(path);
        try
        {
            return new SafetensorsReader(path, [shard]);
        }
        catch
        {
            shard.Dispose();
            throw;
        }
    }

    /// <summary>Opens a sharded checkpoint from its <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor → shard file).</summary>
    /// <param name="indexPath">Path of the index file; shard files are resolved next to it.</param>
    /// <exception cref="CheckpointException">The index or a shard is missing, malformed or inconsistent.</exception>
    public static SafetensorsReader OpenIndex(string indexPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        Dictionary<string, string> weightMap = ReadWeightMap(indexPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shards = new List<SafetensorsShard>();
        try
        {
            var byFile = new Dictionary<string, SafetensorsShard>(StringComparer.Ordinal);
            foreach (string file in weightMap.Values.Distinct(StringComparer.Ordinal).OrderBy(f => f, StringComparer.Ordinal))
            {
                SafetensorsShard shard = SafetensorsShard.Open(Path.Combine(folder, file));
                shards.Add(shard);
                byFile.Add(file, shard);
            }

            foreach ((string tensor, string file) in weightMap)
            {
                if (!byFile[file].Entries.Any(e => string.Equals(e.StoredName, tensor, StringComparison.Ordinal)))
                {
                    throw new CheckpointException($"Checkpoint index '{indexPath}': tensor '{tensor}' is mapped to '{file}', but that shard does not contain it.");
                }
            }

            return new SafetensorsReader(indexPath, shards);
        }
        catch
        {
            foreach (SafetensorsShard shard in shards)
            {
                shard.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc/>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <inheritdoc/>
    public TensorInfo GetInfo(string name)
    {
        var (_, entry) = Find(name);
        return new TensorInfo(name, entry.DataType, entry.Shape);
    }

    /// <summary>Gets the name a canonical tensor has in the file (which key layout the checkpoint uses).</summary>
    /// <param name="name">The canonical name.</param>
    public string GetStoredName(string name) => Find(name).Entry.StoredName;

    /// <inheritdoc/>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var (shard, entry) = Find(name);
        long count = entry.Shape.Aggregate(1L, (a, b) => a * b);
        if (destination.Length != count)
        {
            throw new ArgumentException($"Destination holds {destination.Length} elements but tensor '{name}' has {count}.", nameof(destination));
        }

        shard.ReadFloat32(entry, 0, destination);
    }

    /// <inheritdoc/>
    public void ReadFloat32(string name, long elementOffset, Span<float> destination)
    {
        var (shard, entry) = Find(name);
        long count = entry.Shape.Aggregate(1L, (a, b) => a * b);
        if (elementOffset < 0 || elementOffset + destination.Length > count)
        {
            throw new ArgumentOutOfRangeException(nameof(elementOffset), $"Slice [{elementOffset}, {elementOffset + destination.Length}) is outside tensor '{name}' of {count} elements.");
        }

        shard.ReadFloat32(entry, elementOffset, destination);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (SafetensorsShard shard in _shards)
        {
            shard.Dispose();
        }
    }

    private (SafetensorsShard Shard, SafetensorsEntry Entry) Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.TryGetValue(name, out var found)
            ? found
            : throw new CheckpointException($"Checkpoint '{SourcePath}' has no tensor '{name}'.");
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath) =>
        CheckpointJsonFile.Read(indexPath, "Checkpoint index", null, default, root =>
        {
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"Checkpoint index '{indexPath}' has no 'weight_map' object.");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in map.EnumerateObject())
            {
                string? file = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or "..")
                {
                    throw new CheckpointException($"Checkpoint index '{indexPath}', weight_map entry '{property.Name}': '{property.Value}' is not a plain file name next to the index.");
                }

                result[property.Name] = file;
            }

            if (result.Count == 0)
            {
                throw new CheckpointException($"Checkpoint index '{indexPath}' has an empty 'weight_map'.");
            }

            return result;
        });
}
