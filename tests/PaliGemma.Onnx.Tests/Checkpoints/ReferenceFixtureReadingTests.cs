using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Tests.Fixtures;

namespace PaliGemma.Onnx.Tests.Checkpoints;

/// <summary>
/// Reads the committed reference checkpoints (written by the independent Python tooling in tools/reference) with the
/// product config reader and safetensors reader, and cross-checks every tensor against the minimal test reader.
/// </summary>
public sealed class ReferenceFixtureReadingTests
{
    public static TheoryData<string> Cases() => new(ReferenceFixture.CaseNames());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference_checkpoint_reads_validates_and_matches_an_independent_reader(string name)
    {
        ReferenceFixture fixture = ReferenceFixture.Load(name);
        string model = Path.Combine(fixture.Folder, "model");
        PaliGemmaConfig config = PaliGemmaConfigReader.Read(Path.Combine(model, "config.json"));

        Assert.Equal(fixture.Case.GetProperty("image_size").GetInt32(), config.Vision.ImageSize);
        Assert.Equal(fixture.Case.GetProperty("vocab_size").GetInt32(), config.Text.VocabSize);
        Assert.Equal(fixture.Case.GetProperty("image_token_index").GetInt32(), config.ImageTokenIndex);
        Assert.Equal(fixture.Case.GetProperty("text_model").GetString(), config.Text.ModelType);

        using SafetensorsReader reader = CheckpointFolder.Open(model);
        PaliGemmaTensorLayout.Validate(config, reader, model);
        string dtype = fixture.Case.GetProperty("weights_dtype").GetString()!;
        using var independent = new SafetensorsTestReader(fixture.CheckpointPath);
        Assert.Equal(independent.Names.Order(StringComparer.Ordinal), reader.Names);
        foreach (string tensor in reader.Names)
        {
            TensorInfo info = reader.GetInfo(tensor);
            Assert.Equal(dtype, TensorDataTypes.ToSafetensorsCode(info.DataType));
            float[] ours = new float[info.ElementCount];
            float[] theirs = new float[info.ElementCount];
            reader.ReadFloat32(tensor, ours);
            independent.ReadFloat32(tensor, theirs);
            Assert.Equal(theirs, ours);
        }
    }
}
