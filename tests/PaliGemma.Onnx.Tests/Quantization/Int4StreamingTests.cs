using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.GraphBuilding;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;
using N = PaliGemma.Onnx.Checkpoints.PaliGemmaTensorNames;

namespace PaliGemma.Onnx.Tests.Quantization;

/// <summary>
/// The streaming int4 export (issue 27 item 6): the embedding table, the tied head's 4-bit copy and every 4-bit linear
/// weight are read, quantised and written a slice of rows at a time. The bytes must equal the whole-tensor path (read the
/// tensor, <see cref="Int4BlockQuantizer.Quantize"/> it, write packed codes, scales and zero points one after the other).
/// </summary>
public sealed class Int4StreamingTests
{
    [Theory]
    [InlineData(48, 32, true)]
    [InlineData(48, 32, false)]
    [InlineData(100, 64, false)]
    [InlineData(128, 128, true)]
    public void QuantizeRows_over_slices_equals_Quantize_over_the_whole_matrix(int columns, int blockSize, bool symmetric)
    {
        const int Rows = 11;
        var random = new Random(3);
        float[] w = [.. Enumerable.Range(0, Rows * columns).Select(_ => (float)(random.NextDouble() - 0.4))];
        Int4Matrix whole = Int4BlockQuantizer.Quantize(w, Rows, columns, blockSize, symmetric);

        int blocks = whole.BlocksPerRow, blob = whole.BlobSize, zp = symmetric ? 0 : whole.ZeroPointBytesPerRow;
        var packed = new byte[whole.Packed.Length];
        var scales = new float[whole.Scales.Length];
        var zeros = new byte[Rows * zp];
        zeros.AsSpan().Fill(0xEE); // QuantizeRows must overwrite stale bytes, not OR into them.
        for (int row = 0; row < Rows; row += 4)
        {
            int n = Math.Min(4, Rows - row);
            Int4BlockQuantizer.QuantizeRows(
                w.AsSpan(row * columns, n * columns), n, columns, blockSize, symmetric,
                packed.AsSpan(row * blocks * blob, n * blocks * blob), scales.AsSpan(row * blocks, n * blocks), zeros.AsSpan(row * zp, n * zp));
        }

        Assert.Equal(whole.Packed, packed);
        Assert.Equal(whole.Scales, scales);
        Assert.Equal(whole.ZeroPoints ?? [], zeros);
    }

    [Fact]
    public void QuantizeRows_rejects_buffers_of_the_wrong_size()
    {
        float[] w = new float[2 * 32];
        Assert.Throws<ArgumentException>(() => Int4BlockQuantizer.QuantizeRows(w, 2, 32, 32, true, new byte[15], new float[2], []));
        Assert.Throws<ArgumentException>(() => Int4BlockQuantizer.QuantizeRows(w, 2, 32, 32, false, new byte[32], new float[2], new byte[1]));
    }

    [Theory]
    [InlineData(1L, 32, true)]
    [InlineData(3 * 64 + 5L, 32, false)]
    [InlineData(7 * 128L, 64, true)]
    [InlineData(WeightLoader.DefaultSliceElements, 32, false)]
    public void Streamed_int4_weights_are_byte_identical_to_the_whole_tensor_path(long sliceElements, int blockSize, bool symmetric)
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 17);
        var options = new Int4QuantizationOptions { BlockSize = blockSize, Symmetric = symmetric };
        long vocab = config.Text.VocabSize, h = config.Text.HiddenSize, m = config.Text.IntermediateSize;
        string gate = N.TextLayer(0) + "mlp.gate_proj.weight", down = N.TextLayer(1) + "mlp.down_proj.weight";
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("whole"));
        Directory.CreateDirectory(dir.File("streamed"));

        // The whole-tensor path, as the converter wrote it before streaming.
        string wholePath = Path.Combine(dir.File("whole"), "decoder.onnx");
        using (var b = new OnnxGraphBuilder("g", wholePath))
        {
            b.Weight(N.EmbedTokens, weights.Read(N.EmbedTokens), [vocab, h], float16: true);
            WholeTensor(b, gate, weights.Read(gate), m, h, options);
            WholeTensor(b, down, weights.Read(down), h, m, options);
            WholeTensor(b, N.EmbedTokens + ".int4_head", weights.Read(N.EmbedTokens), vocab, h, options);
            b.Save("test");
        }

        string streamedPath = Path.Combine(dir.File("streamed"), "decoder.onnx");
        using (var b = new OnnxGraphBuilder("g", streamedPath))
        {
            var loader = new WeightLoader(weights, b, ModelPrecision.Int4, null, "decoder", 4, options, sliceElements);
            loader.Embedding(N.EmbedTokens, vocab, h);
            loader.Linear(gate, m, h);
            loader.Linear(down, h, m);
            loader.QuantizedCopy(N.EmbedTokens, vocab, h, options);
            b.Save("test");
        }

        byte[] expected = File.ReadAllBytes(wholePath + ".data");
        Assert.True(expected.Length > vocab * h * 2, "the reference data file holds the float16 table and the 4-bit weights");
        Assert.Equal(expected, File.ReadAllBytes(streamedPath + ".data"));
        Assert.Equal(Initializers(wholePath), Initializers(streamedPath));
    }

    [Theory]
    [InlineData(32, true, 1L << 22)]
    [InlineData(16, false, 3 * 64 + 5L)]
    public void Fused_int4_weight_is_the_quantised_stack_of_its_parts(int blockSize, bool symmetric, long sliceElements)
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var weights = new RandomCheckpoint(config, seed: 23);
        var options = new Int4QuantizationOptions { BlockSize = blockSize, Symmetric = symmetric };
        long h = config.Text.HiddenSize, m = config.Text.IntermediateSize;
        string gate = N.TextLayer(0) + "mlp.gate_proj.weight", up = N.TextLayer(0) + "mlp.up_proj.weight";
        using var dir = new TempFolder();

        // Independent path: stack the two [m, h] matrices row-wise here, then quantise the stack whole.
        float[] stacked = [.. weights.Read(gate), .. weights.Read(up)];
        Directory.CreateDirectory(dir.File("whole"));
        Directory.CreateDirectory(dir.File("fused"));
        string wholePath = Path.Combine(dir.File("whole"), "w.onnx");
        using (var b = new OnnxGraphBuilder("g", wholePath))
        {
            WholeTensor(b, "fused", stacked, 2 * m, h, options);
            b.Save("test");
        }

        string fusedPath = Path.Combine(dir.File("fused"), "w.onnx");
        using (var b = new OnnxGraphBuilder("g", fusedPath))
        {
            var loader = new WeightLoader(weights, b, ModelPrecision.Int4, null, "decoder", 2, options, sliceElements);
            LinearWeight fused = loader.FusedLinear("fused", [(gate, m), (up, m)], h);
            Assert.Equal((h, 2 * m), (fused.InDim, fused.OutDim));
            b.Save("test");
        }

        Assert.Equal(File.ReadAllBytes(wholePath + ".data"), File.ReadAllBytes(fusedPath + ".data"));
        Assert.Equal(Initializers(wholePath), Initializers(fusedPath));
    }

    [Fact]
    public void Fused_float_weight_is_the_parts_transposed_side_by_side()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var weights = new RandomCheckpoint(config, seed: 29);
        long h = config.Text.HiddenSize, heads = config.Text.NumAttentionHeads, kv = config.Text.NumKeyValueHeads, d = config.Text.HeadDim;
        string p = N.TextLayer(0) + "self_attn.";
        (string Name, long Out)[] parts = [(p + "q_proj.weight", heads * d), (p + "k_proj.weight", kv * d), (p + "v_proj.weight", kv * d)];
        using var dir = new TempFolder();
        string path = dir.File("fused.onnx");
        using (var b = new OnnxGraphBuilder("g", path))
        {
            new WeightLoader(weights, b, ModelPrecision.Float32, null, "decoder", 3).FusedLinear("qkv", parts, h);
            b.Save("test");
        }

        byte[] data = File.ReadAllBytes(path + ".data");
        float[] fused = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).ToArray();
        long total = parts.Sum(part => part.Out);
        Assert.Equal(h * total, fused.Length);
        long column = 0;
        foreach ((string name, long outDim) in parts)
        {
            float[] w = weights.Read(name); // HF layout [out, in]
            for (long o = 0; o < outDim; o++)
            {
                for (long i = 0; i < h; i++)
                {
                    Assert.Equal(w[(o * h) + i], fused[(i * total) + column + o]);
                }
            }

            column += outDim;
        }
    }

    [Fact]
    public void Streamed_float32_embedding_is_byte_identical_to_the_whole_tensor_path()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma1();
        using var weights = new RandomCheckpoint(config, seed: 5);
        long vocab = config.Text.VocabSize, h = config.Text.HiddenSize;
        using var dir = new TempFolder();
        using (var b = new OnnxGraphBuilder("g", dir.File("whole.onnx")))
        {
            b.Weight(N.EmbedTokens, weights.Read(N.EmbedTokens), [vocab, h], float16: false);
            b.Save("test");
        }

        using (var b = new OnnxGraphBuilder("g", dir.File("streamed.onnx"), dir.File("whole.onnx.data") + ".s"))
        {
            new WeightLoader(weights, b, ModelPrecision.Float32, null, "decoder", 1, sliceElements: 5 * h).Embedding(N.EmbedTokens, vocab, h);
            b.Save("test");
        }

        Assert.Equal(File.ReadAllBytes(dir.File("whole.onnx.data")), File.ReadAllBytes(dir.File("whole.onnx.data") + ".s"));
    }

    [Fact]
    public void Streaming_names_a_tensor_of_the_wrong_shape()
    {
        PaliGemmaConfig config = TinyConfigs.PaliGemma2();
        using var weights = new RandomCheckpoint(config, seed: 5);
        using var dir = new TempFolder();
        using var b = new OnnxGraphBuilder("g", dir.File("g.onnx"));
        var loader = new WeightLoader(weights, b, ModelPrecision.Int4, null, "decoder", 1);
        var ex = Assert.Throws<CheckpointException>(() => loader.Embedding(N.EmbedTokens, config.Text.VocabSize + 1, config.Text.HiddenSize));
        Assert.Contains(N.EmbedTokens, ex.Message, StringComparison.Ordinal);
        Assert.Throws<CheckpointException>(() => loader.Linear("no.such.weight", 4, 4));
    }

    private static void WholeTensor(OnnxGraphBuilder b, string name, float[] w, long rows, long columns, Int4QuantizationOptions o)
    {
        Int4Matrix q = Int4BlockQuantizer.Quantize(w, (int)rows, (int)columns, o.BlockSize, o.Symmetric);
        b.RawWeight(name + ".q4", q.Packed, ElementType.UInt8, [rows, q.BlocksPerRow, q.BlobSize]);
        b.Weight(name + ".q4_scales", q.Scales, [q.Scales.Length], false);
        if (q.ZeroPoints is not null)
        {
            b.RawWeight(name + ".q4_zero_points", q.ZeroPoints, ElementType.UInt8, [q.ZeroPoints.Length]);
        }
    }

    private static string[] Initializers(string onnxPath)
    {
        using FileStream stream = File.OpenRead(onnxPath);
        global::Onnx.ModelProto model = global::Onnx.ModelProto.Parser.ParseFrom(stream);
        return [.. model.Graph.Initializer.Select(t => $"{t.Name} {t.DataType} [{string.Join(",", t.Dims)}] {string.Join(";", t.ExternalData.Select(e => e.Key + "=" + e.Value))}")];
    }
}
