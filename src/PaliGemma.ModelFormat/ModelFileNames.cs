namespace PaliGemma.ModelFormat;

/// <summary>
/// The file names of a model folder (docs/model-format.md): what the converter writes and the runtime opens. The
/// manifest's <see cref="PaliGemmaModelFiles"/> defaults to these names; the runtime resolves the graphs and the
/// tokenizer through the manifest, the other files by these names.
/// </summary>
public static class ModelFileNames
{
    /// <summary>The manifest, <c>paligemma.json</c>.</summary>
    public const string Manifest = "paligemma.json";

    /// <summary>ONNX Runtime GenAI's configuration, <c>genai_config.json</c>.</summary>
    public const string GenAiConfig = "genai_config.json";

    /// <summary>The SigLIP + projector graph, <c>vision.onnx</c>.</summary>
    public const string Vision = "vision.onnx";

    /// <summary>The decoder graph ONNX Runtime GenAI runs, <c>decoder.onnx</c>.</summary>
    public const string Decoder = "decoder.onnx";

    /// <summary>The optional VQ-VAE mask decoder graph, <c>mask_decoder.onnx</c>.</summary>
    public const string MaskDecoder = "mask_decoder.onnx";

    /// <summary>The Hugging Face tokenizer, <c>tokenizer.json</c> (ONNX Runtime GenAI loads only this name).</summary>
    public const string Tokenizer = "tokenizer.json";

    /// <summary>The Hugging Face tokenizer settings ONNX Runtime GenAI reads next to <see cref="Tokenizer"/>.</summary>
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>The Hugging Face special-token map, copied from the checkpoint when it has one.</summary>
    public const string SpecialTokensMap = "special_tokens_map.json";

    /// <summary>What a graph's external weights file adds to the graph's name (<c>decoder.onnx.data</c>).</summary>
    public const string ExternalDataSuffix = ".data";
}
