using System.Text;
using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Checkpoints;

public sealed class SafetensorsRoundTripTests
{
    private static readonly float[] Values = [1.5f, -2.25f, 0.5f, 1024f, 0f, -0.125f];

    private static SafetensorsTensor Tensor(string name, TensorDataType type, float[] values, params long[] shape)
        => new(name, type, shape, (offset, chunk) => values.AsSpan((int)offset, chunk.Length).CopyTo(chunk));

    [Theory]
    [InlineData(TensorDataType.Float32)]
    [InlineData(TensorDataType.Float16)]
    [InlineData(TensorDataType.BFloat16)]
    public void Exactly_representable_values_round_trip(TensorDataType type)
    {
        using var folder = new TempFolder();
        string file = folder.File("a.safetensors");
        SafetensorsWriter.Write(file, [Tensor("w", type, Values, 2, 3)]);

        using SafetensorsReader reader = SafetensorsReader.Open(file);
        TensorInfo info = reader.GetInfo("w");
        Assert.Equal(type, info.DataType);
        Assert.Equal([2L, 3L], info.Shape);
        float[] read = new float[6];
        reader.ReadFloat32("w", read);
        Assert.Equal(Values, read);
    }

    [Fact]
    public void Narrow_types_round_to_nearest()
    {
        using var folder = new TempFolder();
        string file = folder.File("a.safetensors");
        float[] values = [0.1f, 1f / 3f];
        SafetensorsWriter.Write(file, [Tensor("h", TensorDataType.Float16, values, 2), Tensor("b", TensorDataType.BFloat16, values, 2)]);

        using SafetensorsReader reader = SafetensorsReader.Open(file);
        float[] half = new float[2];
        float[] brain = new float[2];
        reader.ReadFloat32("h", half);
        reader.ReadFloat32("b", brain);

        // 0.1 in binary16 is 0x2E66 = 0.0999755859375; 1/3 is 0x3555 = 0.333251953125.
        Assert.Equal([0.0999755859375f, 0.333251953125f], half);

        // bfloat16 keeps 8 significant bits: 0.1f (0x3DCCCCCD) rounds to 0x3DCD = 0.10009765625, 1/3 (0x3EAAAAAB) to 0x3EAB = 0.333984375.
        Assert.Equal([0.10009765625f, 0.333984375f], brain);
    }

    [Fact]
    public void Header_is_sorted_compact_and_padded_to_eight_bytes()
    {
        using var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, [Tensor("zeta", TensorDataType.Float32, [1f], 1), Tensor("alpha", TensorDataType.BFloat16, [1f, 2f], 2)]);
        byte[] bytes = stream.ToArray();
        long headerLength = BitConverter.ToInt64(bytes, 0);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);

        const string expected = "{\"__metadata__\":{\"format\":\"pt\"},\"alpha\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},\"zeta\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(expected, header.TrimEnd(' '));
        Assert.Equal(8 + headerLength + 8, bytes.Length);

        // bfloat16 1.0 = 0x3F80, 2.0 = 0x4000 (little endian), then float32 1.0 = 0x3F800000.
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0x40, 0x00, 0x00, 0x80, 0x3F }, bytes[(int)(8 + headerLength)..]);
    }

    [Fact]
    public void Slices_of_a_tensor_can_be_read()
    {
        using var folder = new TempFolder();
        string file = folder.File("a.safetensors");
        float[] values = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
        SafetensorsWriter.Write(file, [Tensor("t", TensorDataType.Float32, values, 10, 100)]);

        using SafetensorsReader reader = SafetensorsReader.Open(file);
        float[] slice = new float[5];
        reader.ReadFloat32("t", 995, slice);
        Assert.Equal([995f, 996f, 997f, 998f, 999f], slice);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadFloat32("t", 996, new float[5]));
        Assert.Throws<ArgumentException>(() => reader.ReadFloat32("t", new float[999]));
    }

    [Fact]
    public void Large_tensor_is_streamed_by_the_writer()
    {
        using var folder = new TempFolder();
        string file = folder.File("big.safetensors");
        const long count = (1 << 20) * 3 + 17;
        SafetensorsWriter.Write(file, [new SafetensorsTensor("t", TensorDataType.BFloat16, [count], (offset, chunk) =>
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (offset + i) % 256;
            }
        })]);

        using SafetensorsReader reader = SafetensorsReader.Open(file);
        float[] tail = new float[3];
        reader.ReadFloat32("t", count - 3, tail);
        Assert.Equal([(count - 3) % 256, (count - 2) % 256, (count - 1) % 256], tail);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        using var folder = new TempFolder();
        string file = folder.File("a.safetensors");
        SafetensorsWriter.Write(file, [Tensor("w", TensorDataType.Float32, [1f], 1)]);
        using SafetensorsReader reader = SafetensorsReader.Open(file);

        Assert.False(reader.Contains("nope"));
        var ex = Assert.Throws<CheckpointException>(() => reader.GetInfo("nope"));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
    }
}
