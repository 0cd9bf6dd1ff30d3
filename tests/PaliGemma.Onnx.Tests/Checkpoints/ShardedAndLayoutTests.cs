using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Checkpoints;

public sealed class ShardedAndLayoutTests
{
    private static SafetensorsTensor Constant(string name, float value, params long[] shape)
        => new(name, TensorDataType.Float32, shape, (_, chunk) => chunk.Fill(value));

    [Fact]
    public void Sharded_checkpoint_reads_every_tensor_through_the_index()
    {
        using var folder = new TempFolder();
        SafetensorsTensor[] tensors = Enumerable.Range(0, 7).Select(i => Constant($"t{i}", i, 4, i + 1)).ToArray();
        SafetensorsWriter.WriteSharded(folder.Path, tensors, 3);

        Assert.Equal(3, Directory.GetFiles(folder.Path, "model-*-of-00003.safetensors").Length);
        using SafetensorsReader reader = CheckpointFolder.Open(folder.Path);
        Assert.EndsWith(CheckpointFolder.IndexFileName, reader.SourcePath, StringComparison.Ordinal);
        Assert.Equal(3, reader.Files.Count);
        Assert.Equal(tensors.Select(t => t.Name), reader.Names);
        for (int i = 0; i < 7; i++)
        {
            float[] values = new float[4 * (i + 1)];
            reader.ReadFloat32($"t{i}", values);
            Assert.All(values, v => Assert.Equal(i, v));
        }
    }

    [Fact]
    public void Index_naming_a_missing_shard_fails_with_its_path()
    {
        using var folder = new TempFolder();
        SafetensorsWriter.WriteSharded(folder.Path, [Constant("a", 1, 2), Constant("b", 2, 2)], 2);
        File.Delete(folder.File("model-00002-of-00002.safetensors"));

        var ex = Assert.Throws<CheckpointException>(() => CheckpointFolder.Open(folder.Path));
        Assert.Contains("model-00002-of-00002.safetensors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Index_mapping_a_tensor_to_the_wrong_shard_fails()
    {
        using var folder = new TempFolder();
        SafetensorsWriter.WriteSharded(folder.Path, [Constant("a", 1, 2), Constant("b", 2, 2)], 2);
        File.WriteAllText(folder.File(CheckpointFolder.IndexFileName),
            "{\"weight_map\":{\"a\":\"model-00002-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");

        var ex = Assert.Throws<CheckpointException>(() => CheckpointFolder.Open(folder.Path));
        Assert.Contains("tensor 'a'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape.safetensors")]
    [InlineData("/etc/passwd")]
    public void Index_may_only_name_files_next_to_it(string file)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(CheckpointFolder.IndexFileName), $"{{\"weight_map\":{{\"a\":\"{file}\"}}}}");
        var ex = Assert.Throws<CheckpointException>(() => CheckpointFolder.Open(folder.Path));
        Assert.Contains("plain file name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Newer_key_layout_is_mapped_to_canonical_names()
    {
        using var folder = new TempFolder();
        string file = folder.File("model.safetensors");
        SafetensorsWriter.Write(file,
        [
            Constant("model.language_model.layers.0.mlp.up_proj.weight", 1, 2, 2),
            Constant("model.vision_tower.vision_model.post_layernorm.weight", 2, 2),
            Constant("model.multi_modal_projector.linear.bias", 3, 2),
            Constant("lm_head.weight", 4, 2, 2),
        ]);

        using SafetensorsReader reader = CheckpointFolder.Open(folder.Path);
        Assert.Equal(
            ["language_model.lm_head.weight", "language_model.model.layers.0.mlp.up_proj.weight", "multi_modal_projector.linear.bias", "vision_tower.vision_model.post_layernorm.weight"],
            reader.Names);
        Assert.Equal("model.multi_modal_projector.linear.bias", reader.GetStoredName("multi_modal_projector.linear.bias"));
        float[] bias = new float[2];
        reader.ReadFloat32("multi_modal_projector.linear.bias", bias);
        Assert.Equal([3f, 3f], bias);
    }

    [Fact]
    public void Legacy_key_layout_is_kept()
    {
        Assert.Equal("language_model.model.norm.weight", CheckpointKeys.Canonicalize("language_model.model.norm.weight"));
        Assert.Equal("vision_tower.vision_model.post_layernorm.bias", CheckpointKeys.Canonicalize("vision_tower.vision_model.post_layernorm.bias"));
        Assert.Equal("model.language_model.norm.weight", CheckpointKeys.ToNewLayout("language_model.model.norm.weight"));
        Assert.Equal("lm_head.weight", CheckpointKeys.ToNewLayout("language_model.lm_head.weight"));
    }

    [Fact]
    public void The_same_tensor_in_both_layouts_is_rejected()
    {
        using var folder = new TempFolder();
        string file = folder.File("model.safetensors");
        SafetensorsWriter.Write(file, [Constant("language_model.model.norm.weight", 1, 2), Constant("model.language_model.norm.weight", 1, 2)]);

        var ex = Assert.Throws<CheckpointException>(() => SafetensorsReader.Open(file));
        Assert.Contains("language_model.model.norm.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_weights_or_with_ambiguous_weights_fails()
    {
        using var folder = new TempFolder();
        Assert.Contains("no 'model.safetensors'", Assert.Throws<CheckpointException>(() => CheckpointFolder.Open(folder.Path)).Message, StringComparison.Ordinal);

        SafetensorsWriter.Write(folder.File("a.safetensors"), [Constant("a", 1, 1)]);
        SafetensorsWriter.Write(folder.File("b.safetensors"), [Constant("b", 1, 1)]);
        Assert.Contains("2 *.safetensors", Assert.Throws<CheckpointException>(() => CheckpointFolder.Open(folder.Path)).Message, StringComparison.Ordinal);
    }
}
