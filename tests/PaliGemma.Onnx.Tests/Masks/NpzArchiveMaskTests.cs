using System.IO.Compression;
using System.Text;
using PaliGemma.Onnx.Masks;

namespace PaliGemma.Onnx.Tests.Masks;

public sealed class NpzArchiveMaskTests
{
    [Fact]
    public void Reads_numpy_written_compressed_archive_with_real_key_names()
    {
        using NpzArchive npz = NpzArchive.Open(MaskFixtures.Npz);
        Assert.Contains("_vq_vae._embedding", npz.Names);
        Assert.Contains("decoder.12.bias", npz.Names);
        NpyArray codebook = npz.ReadFloat32("_vq_vae._embedding");
        Assert.Equal([128L, 512L], codebook.Shape);

        // The Python script rounds every weight to a multiple of 1/1024.
        Assert.All(codebook.Data.Take(1000), v => Assert.Equal(Math.Round(v * 1024.0), v * 1024.0, 6));
    }

    [Fact]
    public void Random_checkpoint_is_deterministic_and_round_trips()
    {
        using var dir = new TempFolder();
        string a = dir.File("a.npz");
        string b = dir.File("b.npz");
        RandomVqVaeCheckpoint.Write(a, seed: 7, embeddingDim: 32, width: 16, upsampleChannels: [16, 8, 4, 4]);
        RandomVqVaeCheckpoint.Write(b, seed: 7, embeddingDim: 32, width: 16, upsampleChannels: [16, 8, 4, 4]);
        VqVaeDecoderWeights wa = VqVaeDecoderWeights.Load(a);
        VqVaeDecoderWeights wb = VqVaeDecoderWeights.Load(b);
        Assert.Equal(wa.Codebook.Data, wb.Codebook.Data);
        Assert.Equal(wa.WeightOf("decoder.10").Data, wb.WeightOf("decoder.10").Data);
        Assert.Equal([8L, 4L, 4L, 4L], wa.WeightOf("decoder.8").Shape);
        Assert.Equal(32, wa.EmbeddingDim);
        Assert.Equal(16, wa.Width);
    }

    [Fact]
    public void Missing_key_names_the_key_and_file()
    {
        using var dir = new TempFolder();
        string path = dir.File("partial.npz");
        NpzWriter.Write(path, [new NpyArray("_vq_vae._embedding", [128, 4], new float[512])]);
        var ex = Assert.Throws<InvalidDataException>(() => VqVaeDecoderWeights.Load(path));
        Assert.Contains("decoder.0.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("partial.npz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_layer_shape_is_rejected_with_the_shape()
    {
        using var dir = new TempFolder();
        string good = dir.File("good.npz");
        RandomVqVaeCheckpoint.Write(good, seed: 1, embeddingDim: 8, width: 8, upsampleChannels: [8, 8, 4, 4]);
        using (NpzArchive src = NpzArchive.Open(good))
        {
            var arrays = src.Names.Select(src.ReadFloat32)
                .Select(a => a.Name == "decoder.6.weight" ? a with { Shape = [8, 8, 2, 8] } : a).ToList();
            NpzWriter.Write(dir.File("bad.npz"), arrays);
        }

        var ex = Assert.Throws<InvalidDataException>(() => VqVaeDecoderWeights.Load(dir.File("bad.npz")));
        Assert.Contains("decoder.6.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(8, 8, 2, 8)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", "dtype")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", "dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "Fortran")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "needs")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999, 99999), }", "elements")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999, 999999999999, 999999999), }", "overflows")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "shape")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': __import__('os'), }", "malformed")]
    [InlineData("not a dict", "malformed")]
    public void Malformed_headers_give_clear_errors(string dict, string expected)
    {
        using var dir = new TempFolder();
        string path = dir.File("bad.npz");
        WriteRaw(path, "x.npy", NpyBytes(dict, payload: new byte[8]));
        using NpzArchive npz = NpzArchive.Open(path);
        var ex = Assert.Throws<InvalidDataException>(() => npz.ReadFloat32("x"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("[x]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_magic_truncated_data_and_non_zip_are_rejected()
    {
        using var dir = new TempFolder();
        string path = dir.File("bad.npz");
        WriteRaw(path, "x.npy", Encoding.ASCII.GetBytes("NOTNUMPY"));
        using (NpzArchive npz = NpzArchive.Open(path))
        {
            Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => npz.ReadFloat32("x")).Message, StringComparison.Ordinal);
            Assert.Throws<KeyNotFoundException>(() => npz.ReadFloat32("y"));
        }

        string notZip = dir.File("plain.npz");
        File.WriteAllText(notZip, "hello");
        Assert.Throws<InvalidDataException>(() => NpzArchive.Open(notZip));
        Assert.Throws<FileNotFoundException>(() => NpzArchive.Open(dir.File("absent.npz")));
    }

    [Fact]
    public void Huge_declared_header_length_is_rejected_before_allocation()
    {
        using var dir = new TempFolder();
        string path = dir.File("big.npz");
        byte[] bytes = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0x7F];
        WriteRaw(path, "x.npy", bytes);
        using NpzArchive npz = NpzArchive.Open(path);
        Assert.Contains("larger than", Assert.Throws<InvalidDataException>(() => npz.ReadHeader("x")).Message, StringComparison.Ordinal);
    }

    private static byte[] NpyBytes(string dict, byte[] payload)
    {
        byte[] text = Encoding.ASCII.GetBytes(dict + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(text.Length & 0xFF), (byte)(text.Length >> 8) };
        bytes.AddRange(text);
        bytes.AddRange(payload);
        return bytes.ToArray();
    }

    private static void WriteRaw(string path, string entryName, byte[] content)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using Stream s = zip.CreateEntry(entryName).Open();
        s.Write(content);
    }
}
