using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Adapters;

/// <summary>The run-time adapter files written for one named adapter (file names inside the model folder; null when the adapter changes nothing in that graph).</summary>
/// <param name="Name">The adapter name requests select it by.</param>
/// <param name="Vision">The adapter file for <c>vision.onnx</c> (vision tower and projector targets), or null.</param>
/// <param name="Decoder">The adapter file for <c>decoder.onnx</c>, or null.</param>
internal sealed record RuntimeLoraFiles(string Name, string? Vision, string? Decoder);

/// <summary>
/// Run-time LoRA at conversion: the union of every adapter's targets becomes the graphs' LoRA slots, and each adapter is
/// written as one <c>.onnx_adapter</c> file per graph it changes (<c>adapter.NAME.vision.onnx_adapter</c>,
/// <c>adapter.NAME.decoder.onnx_adapter</c>, in the model folder itself) holding A = lora_Aᵀ [in, r] and B = scale·lora_Bᵀ [r, out] for each slot it
/// targets, so <c>x·W + (x·A)·B</c> equals the merged layer. A slot an adapter does not target keeps its zero-rank default.
/// </summary>
internal static class RuntimeLoraExport
{
    /// <summary>The file name prefix of adapter files (the model folder holds plain file names only).</summary>
    public const string FilePrefix = "adapter.";

    /// <summary>Whether a canonical weight belongs to <c>vision.onnx</c> (vision tower and projector) rather than the decoder.</summary>
    public static bool IsVision(string weight) =>
        weight.StartsWith(PaliGemmaTensorNames.Vision, StringComparison.Ordinal) || weight.StartsWith(PaliGemmaTensorNames.Projector, StringComparison.Ordinal);

    /// <summary>The slots of all adapters together.</summary>
    public static IReadOnlySet<string> Slots(IEnumerable<LoraAdapter> adapters) =>
        adapters.SelectMany(a => a.Targets.Keys).ToHashSet(StringComparer.Ordinal);

    /// <summary>Writes one adapter's files into <paramref name="modelFolder"/>.</summary>
    public static RuntimeLoraFiles Write(string modelFolder, string name, LoraAdapter adapter)
    {
        var vision = new List<OnnxAdapterParameter>();
        var decoder = new List<OnnxAdapterParameter>();
        foreach (LoraTarget target in adapter.Targets.Values.OrderBy(t => t.Weight, StringComparer.Ordinal))
        {
            float[] a = adapter.Read(target.A), b = adapter.Read(target.B);
            int rank = target.Rank, inDim = checked((int)target.InDim), outDim = checked((int)target.OutDim);
            float[] at = new float[a.Length], bt = new float[b.Length];
            for (int k = 0; k < rank; k++)
            {
                for (int i = 0; i < inDim; i++)
                {
                    at[(i * rank) + k] = a[(k * inDim) + i];
                }

                for (int o = 0; o < outDim; o++)
                {
                    bt[(k * outDim) + o] = (float)(b[(o * rank) + k] * target.Scale);
                }
            }

            (string aName, string bName) = RuntimeLoraNames.Inputs(target.Weight);
            List<OnnxAdapterParameter> into = IsVision(target.Weight) ? vision : decoder;
            into.Add(new OnnxAdapterParameter(aName, [inDim, rank], at));
            into.Add(new OnnxAdapterParameter(bName, [rank, outDim], bt));
        }

        string? File(string graph, List<OnnxAdapterParameter> parameters)
        {
            if (parameters.Count == 0)
            {
                return null;
            }

            string fileName = FilePrefix + name + "." + graph + OnnxAdapterFile.Extension;
            OnnxAdapterFile.Write(Path.Combine(modelFolder, fileName), parameters);
            return fileName;
        }

        return new RuntimeLoraFiles(name, File("vision", vision), File("decoder", decoder));
    }
}
