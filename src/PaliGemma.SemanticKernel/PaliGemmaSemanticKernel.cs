namespace PaliGemma.SemanticKernel;

/// <summary>Marker for the PaliGemma Semantic Kernel integration assembly.</summary>
public static class PaliGemmaSemanticKernel
{
    /// <summary>The plugin name the vision functions are registered under.</summary>
    public const string PluginName = "paligemma";
}
