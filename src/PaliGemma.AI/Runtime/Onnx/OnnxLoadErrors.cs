using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime.Onnx;

/// <summary>Points a graph-loading error at the file really at fault: the graph or its external weight file.</summary>
internal static class OnnxLoadErrors
{
    /// <summary>
    /// Returns <c>graph.onnx.data</c> when ONNX Runtime's <paramref name="message"/> is about external
    /// initializers and that file exists; otherwise <paramref name="graphPath"/>.
    /// </summary>
    public static string FileAtFault(string graphPath, string message)
    {
        string dataPath = graphPath + ModelFileNames.ExternalDataSuffix;
        bool aboutExternalData = message.Contains("External initializer", StringComparison.OrdinalIgnoreCase)
            || message.Contains("external data", StringComparison.OrdinalIgnoreCase)
            || message.Contains("GetExtDataFromTensorProto", StringComparison.Ordinal);
        return aboutExternalData && File.Exists(dataPath) ? dataPath : graphPath;
    }
}
