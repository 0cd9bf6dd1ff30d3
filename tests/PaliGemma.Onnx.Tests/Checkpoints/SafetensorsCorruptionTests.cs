using System.Text;
using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Checkpoints;

public sealed class SafetensorsCorruptionTests
{
    private static string WriteRaw(TempFolder folder, string header, int dataBytes, ulong? declaredLength = null)
    {
        string file = folder.File("bad.safetensors");
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(file);
        stream.Write(BitConverter.GetBytes(declaredLength ?? (ulong)headerBytes.Length));
        stream.Write(headerBytes);
        stream.Write(new byte[dataBytes]);
        return file;
    }

    private static CheckpointException Fails(string file)
        => Assert.Throws<CheckpointException>(() => SafetensorsReader.Open(file).Dispose());

    [Fact]
    public void File_shorter_than_the_length_prefix()
    {
        using var folder = new TempFolder();
        string file = folder.File("short.safetensors");
        File.WriteAllBytes(file, [1, 2, 3]);
        Assert.Contains("too short", Fails(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_above_the_cap()
    {
        using var folder = new TempFolder();
        string file = WriteRaw(folder, "{}", 0, declaredLength: ulong.MaxValue);
        var ex = Fails(file);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file()
    {
        using var folder = new TempFolder();
        string file = WriteRaw(folder, "{}", 0, declaredLength: 4096);
        Assert.Contains("truncated", Fails(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_that_is_not_json()
    {
        using var folder = new TempFolder();
        string file = WriteRaw(folder, "{\"w\": {\"dtype\": ", 0);
        Assert.Contains("malformed JSON", Fails(file).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,32]}}", 16, "outside the data section")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", 16, "does not match shape")]
    [InlineData("{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, "not supported")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,16]}}", 16, "not a non-negative integer")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 16, "'data_offsets'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 16, "outside the data section")]
    [InlineData("{\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16, "overlap")]
    public void Inconsistent_entries_name_the_file_and_tensor(string header, int dataBytes, string reason)
    {
        using var folder = new TempFolder();
        string file = WriteRaw(folder, header, dataBytes);
        var ex = Fails(file);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file()
    {
        using var folder = new TempFolder();
        Assert.Contains("does not exist", Fails(folder.File("none.safetensors")).Message, StringComparison.Ordinal);
    }
}
