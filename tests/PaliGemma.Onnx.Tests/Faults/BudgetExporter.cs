using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Quantization;

namespace PaliGemma.Onnx.Tests.Faults;

/// <summary>
/// The real exporter on a disk of <paramref name="budget"/> bytes, for machines where a tmpfs cannot be mounted: after
/// each step the bytes under <paramref name="disk"/> are counted (with the tokenizer files of <paramref name="input"/> still to come) and, past the budget, the step fails with the same
/// ENOSPC <see cref="IOException"/> (HResult 28) that .NET raises on Linux, naming the file it was writing.
/// </summary>
internal sealed class BudgetExporter(string disk, long budget, string input) : IModelGraphExporter
{
    private const int Enospc = 28;

    public void ExportVision(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, Int4QuantizationOptions? int4, IProgress<ExportProgress>? progress)
    {
        OnnxGraphExporter.Instance.ExportVision(config, weights, onnxPath, precision, int4, progress);
        Check(onnxPath + ".data");
    }

    public void ExportDecoder(PaliGemmaConfig config, ICheckpointReader weights, string onnxPath, ModelPrecision precision, DecoderExportOptions options, IProgress<ExportProgress>? progress)
    {
        OnnxGraphExporter.Instance.ExportDecoder(config, weights, onnxPath, precision, options, progress);
        Check(onnxPath + ".data");
    }

    public void WriteGenAiConfig(PaliGemmaConfig config, string folder, int contextLength, IReadOnlyList<int> eosTokenIds)
    {
        OnnxGraphExporter.Instance.WriteGenAiConfig(config, folder, contextLength, eosTokenIds);

        // The converter copies the tokenizer files and writes the manifest next: count them now, as a full disk would
        // stop that copy.
        long following = new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" }
            .Select(name => Path.Combine(input, name)).Where(File.Exists).Sum(f => Pages(new FileInfo(f).Length)) + 4096;
        Check(Path.Combine(folder, "tokenizer.json"), following);
    }

    private static long Pages(long bytes) => (bytes + 4095) / 4096 * 4096;

    private void Check(string file, long extra = 0)
    {
        long used = Directory.EnumerateFiles(disk, "*", SearchOption.AllDirectories).Sum(f => Pages(new FileInfo(f).Length));
        if (used + extra > budget)
        {
            throw new IOException($"No space left on device : '{file}'", Enospc);
        }
    }
}
