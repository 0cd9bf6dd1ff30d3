using System.Text;
using System.Text.Json.Nodes;
using PaliGemma.Onnx.Adapters;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tests.Fixtures;

namespace PaliGemma.Onnx.Tests.Adapters;

/// <summary>
/// Issue 24 item 3: adapter folders are untrusted. Every adapter the merge cannot reproduce exactly, and every malformed
/// file, fails with a <see cref="LoraAdapterException"/> whose <see cref="LoraAdapterException.Field"/> and
/// <see cref="LoraAdapterException.Value"/> name what was wrong. Each case edits a copy of the committed pg1 adapter.
/// </summary>
public sealed class LoraAdapterErrorTests : IDisposable
{
    private readonly TempFolder _root = new();
    private readonly ReferenceFixture _fx = ReferenceFixture.Load("pg1");

    public void Dispose() => _root.Dispose();

    /// <summary>(edited config key, new JSON value or null to remove it, expected Field, expected Value).</summary>
    public static TheoryData<string, string?, string, string?> ConfigEdits() => new()
    {
        { "peft_type", "\"LOHA\"", "peft_type", "LOHA" },
        { "peft_type", null, "peft_type", "(missing)" },
        { "use_dora", "true", "use_dora", "true" },
        { "lora_bias", "true", "lora_bias", "true" },
        { "use_qalora", "true", "use_qalora", "true" },
        { "bias", "\"lora_only\"", "bias", "\"lora_only\"" },
        { "bias", "\"all\"", "bias", "\"all\"" },
        { "modules_to_save", "[\"multi_modal_projector\"]", "modules_to_save", "[\"multi_modal_projector\"]" },
        { "layers_to_transform", "[0]", "layers_to_transform", "[0]" },
        { "layers_pattern", "\"layers\"", "layers_pattern", "\"layers\"" },
        { "trainable_token_indices", "[5, 6]", "trainable_token_indices", "[5,6]" },
        { "layer_replication", "[[0, 1]]", "layer_replication", "[[0,1]]" },
        { "init_lora_weights", "\"pissa\"", "init_lora_weights", "\"pissa\"" },
        { "init_lora_weights", "\"olora\"", "init_lora_weights", "\"olora\"" },
        { "r", "0", "r", "0" },
        { "r", "\"4\"", "r", "\"4\"" },
        { "r", null, "r", null },
        { "lora_alpha", "\"eight\"", "lora_alpha", "\"eight\"" },
        { "lora_alpha", null, "lora_alpha", null },
        { "use_rslora", "\"yes\"", "use_rslora", "\"yes\"" },
        { "fan_in_fan_out", "1", "fan_in_fan_out", "1" },
        { "target_modules", null, "target_modules", null },
        { "target_modules", "[]", "target_modules", "[]" },
        { "target_modules", "[\"q_proj\", 3]", "target_modules", "[\"q_proj\",3]" },
        { "target_modules", "\"(q_proj\"", "target_modules", "(q_proj" },
        { "target_modules", "[\"embed_tokens\", \"q_proj\", \"v_proj\", \"out_proj\", \"fc1\", \"linear\", \"o_proj\", \"gate_proj\", \"down_proj\"]", "target_modules", "[\"embed_tokens\",\"q_proj\",\"v_proj\",\"out_proj\",\"fc1\",\"linear\",\"o_proj\",\"gate_proj\",\"down_proj\"]" },
        { "target_modules", "[\"lm_head\", \"q_proj\", \"v_proj\", \"out_proj\", \"fc1\", \"linear\", \"o_proj\", \"gate_proj\", \"down_proj\"]", "target_modules", "[\"lm_head\",\"q_proj\",\"v_proj\",\"out_proj\",\"fc1\",\"linear\",\"o_proj\",\"gate_proj\",\"down_proj\"]" },
        { "target_modules", "\".*patch_embedding|.*q_proj\"", "target_modules", "\".*patch_embedding|.*q_proj\"" },
        { "rank_pattern", "[1]", "rank_pattern", "[1]" },
        { "rank_pattern", "{\"fc1\": 0}", "rank_pattern.fc1", "0" },
        { "alpha_pattern", "{\"down_proj\": \"x\"}", "alpha_pattern.down_proj", "\"x\"" },
        { "exclude_modules", "7", "exclude_modules", "7" },
    };

    [Theory]
    [MemberData(nameof(ConfigEdits))]
    public void Unsupported_or_malformed_config_fields_are_named(string key, string? json, string field, string? value)
    {
        string dir = CopyAdapter(config => config[key] = json is null ? null : JsonNode.Parse(json), remove: json is null ? key : null);

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal(field, ex.Field);
        Assert.Equal(value, ex.Value);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_without_its_tensors_names_the_missing_key()
    {
        // k_proj is selected as well, but the file holds no k_proj matrices.
        string dir = CopyAdapter(config => config["target_modules"]!.AsArray().Add("k_proj"));

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal("base_model.model.vision_tower.vision_model.encoder.layers.0.self_attn.k_proj.lora_A.weight", ex.Field);
        Assert.Null(ex.Value);
    }

    [Fact]
    public void Tensors_of_a_layer_target_modules_does_not_select_are_named()
    {
        string dir = CopyAdapter(config => config["target_modules"] = new JsonArray("q_proj", "v_proj", "out_proj", "linear", "o_proj", "gate_proj", "down_proj"));

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal("base_model.model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.lora_A.weight", ex.Field);
        Assert.Contains("does not select", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exclude_modules_removes_a_layer_whose_tensors_are_then_reported()
    {
        string dir = CopyAdapter(config => config["exclude_modules"] = "vision_tower\\..*");

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.StartsWith("base_model.model.vision_tower.", ex.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rank_that_does_not_match_the_tensors_names_the_tensor_and_its_shape()
    {
        // rank_pattern says fc1 has rank 3; the file's fc1 matrices have rank 2.
        string dir = CopyAdapter(config => config["rank_pattern"] = new JsonObject { ["fc1"] = 3 });

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal("base_model.model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.lora_A.weight", ex.Field);
        Assert.Equal("[2, 32]", ex.Value);
    }

    [Fact]
    public void An_adapter_for_another_model_size_names_the_mismatched_tensor()
    {
        // The same tensors with one extra input feature on a decoder q_proj: lora_A is [4, 65] where the model has 64 inputs.
        string dir = RewriteTensors(tensors =>
        {
            const string name = "base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight";
            tensors[name] = new SafetensorsTensor(name, TensorDataType.Float32, [4, 65], (_, chunk) => chunk.Fill(0.01f));
        });

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight", ex.Field);
        Assert.Equal("[4, 65]", ex.Value);
    }

    [Theory]
    [InlineData("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", "DoRA")]
    [InlineData("base_model.model.language_model.model.embed_tokens.lora_embedding_A", "embedding")]
    [InlineData("base_model.model.multi_modal_projector.linear.weight", "modules_to_save")]
    [InlineData("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.default.weight", "not supported")]
    public void Tensors_of_unsupported_kinds_are_named(string name, string reason)
    {
        string dir = RewriteTensors(tensors => tensors[name] = new SafetensorsTensor(name, TensorDataType.Float32, [4], (_, chunk) => chunk.Fill(1)));

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal(name, ex.Field);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_layer_the_base_model_does_not_have_is_named()
    {
        const string name = "base_model.model.language_model.model.layers.7.self_attn.q_proj.lora_A.weight";
        string dir = RewriteTensors(tensors => tensors[name] = new SafetensorsTensor(name, TensorDataType.Float32, [4, 64], (_, chunk) => chunk.Fill(1)));

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal(name, ex.Field);
        Assert.Contains("not a linear layer of this base model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mixed_key_layouts_are_rejected()
    {
        const string name = "base_model.model.model.language_model.layers.1.self_attn.q_proj.lora_A.weight";
        string dir = RewriteTensors(tensors => tensors[name] = new SafetensorsTensor(name, TensorDataType.Float32, [4, 64], (_, chunk) => chunk.Fill(1)));

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Contains("key layout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_weights_file_is_rejected()
    {
        string dir = RewriteTensors(tensors => tensors.Clear());

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal(LoraAdapter.WeightsFileName, ex.Field);
        Assert.Equal("0 tensors", ex.Value);
    }

    [Fact]
    public void Missing_files_and_folders_are_named()
    {
        string missing = Path.Combine(_root.Path, "nowhere");
        Assert.Equal("adapter", Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(missing, _fx.Config)).Field);

        string noConfig = CopyAdapter(_ => { });
        File.Delete(Path.Combine(noConfig, LoraAdapter.ConfigFileName));
        Assert.Equal(LoraAdapter.ConfigFileName, Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(noConfig, _fx.Config)).Field);

        string pickle = CopyAdapter(_ => { });
        File.Move(Path.Combine(pickle, LoraAdapter.WeightsFileName), Path.Combine(pickle, "adapter_model.bin"));
        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(pickle, _fx.Config));
        Assert.Equal(LoraAdapter.WeightsFileName, ex.Field);
        Assert.Contains("adapter_model.bin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_config_files_are_rejected_with_bounded_reads()
    {
        string notJson = CopyAdapter(_ => { });
        File.WriteAllText(Path.Combine(notJson, LoraAdapter.ConfigFileName), "{\"r\": 4,");
        Assert.Equal(LoraAdapter.ConfigFileName, Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(notJson, _fx.Config)).Field);

        string array = CopyAdapter(_ => { });
        File.WriteAllText(Path.Combine(array, LoraAdapter.ConfigFileName), "[1, 2]");
        Assert.Equal("Array", Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(array, _fx.Config)).Value);

        string huge = CopyAdapter(_ => { });
        using (var stream = File.Create(Path.Combine(huge, LoraAdapter.ConfigFileName)))
        {
            stream.SetLength(LoraAdapter.MaxConfigBytes + 1);
        }

        LoraAdapterException tooBig = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(huge, _fx.Config));
        Assert.Equal(LoraAdapter.ConfigFileName, tooBig.Field);
        Assert.Equal((LoraAdapter.MaxConfigBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), tooBig.Value);

        string badUtf8 = CopyAdapter(_ => { });
        File.WriteAllBytes(Path.Combine(badUtf8, LoraAdapter.ConfigFileName), [.. Encoding.ASCII.GetBytes("{\"peft_type\": \""), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\"}")]);
        Assert.Equal(LoraAdapter.ConfigFileName, Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(badUtf8, _fx.Config)).Field);
    }

    [Fact]
    public void A_corrupt_safetensors_header_is_rejected_by_the_converters_reader()
    {
        string dir = CopyAdapter(_ => { });
        string weights = Path.Combine(dir, LoraAdapter.WeightsFileName);
        byte[] bytes = File.ReadAllBytes(weights);
        BitConverter.GetBytes(ulong.MaxValue).CopyTo(bytes, 0);
        File.WriteAllBytes(weights, bytes);

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => LoraAdapter.Load(dir, _fx.Config));

        Assert.Equal(LoraAdapter.WeightsFileName, ex.Field);
        Assert.IsType<CheckpointException>(ex.InnerException);
    }

    [Fact]
    public void The_converter_stops_before_writing_anything()
    {
        string dir = CopyAdapter(config => config["use_dora"] = true);
        string input = Path.Combine(_root.Path, "checkpoint");
        Directory.CreateDirectory(input);
        foreach (string file in Directory.EnumerateFiles(_fx.CheckpointFolderPath))
        {
            File.Copy(file, Path.Combine(input, Path.GetFileName(file)));
        }

        Fidelity.FixtureTokenizer.Write(input, _fx);
        string output = Path.Combine(_root.Path, "out");

        LoraAdapterException ex = Assert.Throws<LoraAdapterException>(() => PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = input,
            OutputDirectory = output,
            Precision = ModelPrecision.Float32,
            LoraAdapterDirectory = dir,
        }));

        Assert.Equal("use_dora", ex.Field);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateDirectories(_root.Path, ".out.partial-*"));
    }

    private string CopyAdapter(Action<JsonObject> edit, string? remove = null)
    {
        string source = LoraMergeTests.AdapterDirectory("pg1");
        string dir = Path.Combine(_root.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        string configPath = Path.Combine(dir, LoraAdapter.ConfigFileName);
        JsonObject config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        edit(config);
        if (remove is not null)
        {
            config.Remove(remove);
        }

        File.WriteAllText(configPath, config.ToJsonString());
        return dir;
    }

    /// <summary>Copies the pg1 adapter and rewrites its weights file after <paramref name="edit"/> changed the tensor list.</summary>
    private string RewriteTensors(Action<Dictionary<string, SafetensorsTensor>> edit)
    {
        string dir = CopyAdapter(_ => { });
        string path = Path.Combine(dir, LoraAdapter.WeightsFileName);
        var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        using (SafetensorsReader reader = SafetensorsReader.Open(path))
        {
            foreach (string name in reader.Names)
            {
                TensorInfo info = reader.GetInfo(name);
                float[] data = new float[info.ElementCount];
                reader.ReadFloat32(name, data);
                tensors[name] = new SafetensorsTensor(name, TensorDataType.Float32, info.Shape, (offset, chunk) => data.AsSpan((int)offset, chunk.Length).CopyTo(chunk));
            }
        }

        edit(tensors);
        SafetensorsWriter.Write(path, tensors.Values);
        return dir;
    }
}
