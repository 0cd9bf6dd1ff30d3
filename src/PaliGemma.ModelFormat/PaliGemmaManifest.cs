using System.Text.Json.Serialization;

namespace PaliGemma.ModelFormat;

/// <summary>
/// The <c>paligemma.json</c> manifest of a model folder: what the folder holds and the facts the runtime
/// needs that ONNX Runtime GenAI's <c>genai_config.json</c> does not carry. See docs/model-format.md.
/// </summary>
public sealed record PaliGemmaManifest
{
    /// <summary>The manifest file name inside a model folder.</summary>
    public const string FileName = ModelFileNames.Manifest;

    /// <summary>The <see cref="Architecture"/> of a PaliGemma (1) model: a Gemma decoder.</summary>
    public const string PaliGemmaArchitecture = "paligemma";

    /// <summary>The <see cref="Architecture"/> of a PaliGemma 2 model: a Gemma 2 decoder.</summary>
    public const string PaliGemma2Architecture = "paligemma2";

    /// <summary>The <see cref="Precision"/> of float32 weights.</summary>
    public const string Float32Precision = "fp32";

    /// <summary>The <see cref="Precision"/> of float16 weights.</summary>
    public const string Float16Precision = "fp16";

    /// <summary>The <see cref="Precision"/> of 4-bit (MatMulNBits) decoder weights.</summary>
    public const string Int4Precision = "int4";

    /// <summary>The architectures this format knows.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [PaliGemmaArchitecture, PaliGemma2Architecture];

    /// <summary>The precisions this format knows.</summary>
    public static IReadOnlyList<string> Precisions { get; } = [Float32Precision, Float16Precision, Int4Precision];

    /// <summary>
    /// The format version this library writes. 2: the decoder's last-position logits come from each row's last unmasked
    /// position and Gemma 2's sliding window is measured in positions, so the decoder runs right-padded batches.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>The oldest format version this library reads (1: the same layout; its decoder runs one request per generator).</summary>
    public const int MinimumFormatVersion = 1;

    /// <summary>The first format version whose decoder may run batched generation.</summary>
    public const int BatchingFormatVersion = 2;

    /// <summary>Format version of the folder layout.</summary>
    [JsonPropertyName("format_version")]
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>A short identifier of the model (reported as the chat client's model id).</summary>
    [JsonPropertyName("model_id")]
    public required string ModelId { get; init; }

    /// <summary><see cref="PaliGemmaArchitecture"/> (Gemma decoder) or <see cref="PaliGemma2Architecture"/> (Gemma 2 decoder).</summary>
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    /// <summary>Square input resolution in pixels.</summary>
    [JsonPropertyName("image_size")]
    public required int ImageSize { get; init; }

    /// <summary>Vision patch size in pixels.</summary>
    [JsonPropertyName("patch_size")]
    public int PatchSize { get; init; } = 14;

    /// <summary>Number of <c>&lt;image&gt;</c> tokens per image ((image_size / patch_size)²).</summary>
    [JsonPropertyName("num_image_tokens")]
    public required int NumImageTokens { get; init; }

    /// <summary>Width of the decoder (= width of one image feature row).</summary>
    [JsonPropertyName("text_hidden_size")]
    public required int TextHiddenSize { get; init; }

    /// <summary>Vocabulary size of the decoder's logits.</summary>
    [JsonPropertyName("vocab_size")]
    public required int VocabSize { get; init; }

    /// <summary>Maximum total sequence length (prompt + generated) the decoder accepts.</summary>
    [JsonPropertyName("max_sequence_length")]
    public required int MaxSequenceLength { get; init; }

    /// <summary>Weight precision: one of <see cref="Precisions"/>.</summary>
    [JsonPropertyName("precision")]
    public required string Precision { get; init; }

    /// <summary>Special token ids.</summary>
    [JsonPropertyName("token_ids")]
    public required PaliGemmaTokenIds TokenIds { get; init; }

    /// <summary>File names inside the folder.</summary>
    [JsonPropertyName("files")]
    public PaliGemmaModelFiles Files { get; init; } = new();

    /// <summary>Per-channel normalisation mean (SigLIP: 0.5).</summary>
    [JsonPropertyName("image_mean")]
    public IReadOnlyList<float> ImageMean { get; init; } = [0.5f, 0.5f, 0.5f];

    /// <summary>Per-channel normalisation standard deviation (SigLIP: 0.5).</summary>
    [JsonPropertyName("image_std")]
    public IReadOnlyList<float> ImageStd { get; init; } = [0.5f, 0.5f, 0.5f];

    /// <summary>Where the weights came from (checkpoint hash, converter version).</summary>
    [JsonPropertyName("source")]
    public PaliGemmaModelSource? Source { get; init; }
}

/// <summary>Special token ids of a PaliGemma tokenizer.</summary>
public sealed record PaliGemmaTokenIds
{
    /// <summary>The number of <c>&lt;locNNNN&gt;</c> tokens (location bins), from <see cref="LocStart"/>.</summary>
    public const int LocationTokenCount = 1024;

    /// <summary>The number of <c>&lt;segNNN&gt;</c> tokens (mask codebook entries), from <see cref="SegStart"/>.</summary>
    public const int SegmentationTokenCount = 128;

    /// <summary>Padding token (0).</summary>
    [JsonPropertyName("pad")]
    public int Pad { get; init; }

    /// <summary>End of sequence (1).</summary>
    [JsonPropertyName("eos")]
    public int Eos { get; init; } = 1;

    /// <summary>Beginning of sequence (2).</summary>
    [JsonPropertyName("bos")]
    public int Bos { get; init; } = 2;

    /// <summary>The <c>&lt;image&gt;</c> placeholder (257152 in released checkpoints).</summary>
    [JsonPropertyName("image")]
    public required int Image { get; init; }

    /// <summary>The token of <c>"\n"</c> that ends the prefix (108 in Gemma's tokenizer).</summary>
    [JsonPropertyName("newline")]
    public required int Newline { get; init; }

    /// <summary>Id of <c>&lt;loc0000&gt;</c>; <c>&lt;locN&gt;</c> = this + N (N &lt; <see cref="LocationTokenCount"/>).</summary>
    [JsonPropertyName("loc_start")]
    public required int LocStart { get; init; }

    /// <summary>Id of <c>&lt;seg000&gt;</c>; <c>&lt;segN&gt;</c> = this + N (N &lt; <see cref="SegmentationTokenCount"/>).</summary>
    [JsonPropertyName("seg_start")]
    public required int SegStart { get; init; }

    /// <summary>Further ids that end generation (PaliGemma 2: <c>&lt;end_of_turn&gt;</c> = 107).</summary>
    [JsonPropertyName("extra_stop")]
    public IReadOnlyList<int> ExtraStop { get; init; } = [];
}

/// <summary>File names of the parts of a model folder.</summary>
public sealed record PaliGemmaModelFiles
{
    /// <summary>The SigLIP + projector graph.</summary>
    [JsonPropertyName("vision")]
    public string Vision { get; init; } = ModelFileNames.Vision;

    /// <summary>The decoder graph run by ONNX Runtime GenAI.</summary>
    [JsonPropertyName("decoder")]
    public string Decoder { get; init; } = ModelFileNames.Decoder;

    /// <summary>The Hugging Face tokenizer.</summary>
    [JsonPropertyName("tokenizer")]
    public string Tokenizer { get; init; } = ModelFileNames.Tokenizer;

    /// <summary>The optional VQ-VAE mask decoder graph, or null.</summary>
    [JsonPropertyName("mask_decoder")]
    public string? MaskDecoder { get; init; }

    /// <summary>
    /// Run-time LoRA adapters converted alongside the base (<c>paligemma convert --lora-adapter NAME=DIR</c>), or null: ONNX
    /// Runtime <c>.onnx_adapter</c> files a request selects by name; see docs/model-format.md.
    /// </summary>
    [JsonPropertyName("adapters")]
    public IReadOnlyList<PaliGemmaAdapterFiles>? Adapters { get; init; }
}

/// <summary>The files of one run-time LoRA adapter in a model folder.</summary>
public sealed partial record PaliGemmaAdapterFiles
{
    /// <summary>Whether <paramref name="name"/> is a valid adapter name: a letter or digit, then up to 63 letters, digits, '_', '-' or '.'.</summary>
    /// <param name="name">The name to check.</param>
    /// <returns>True when the name may be used.</returns>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex NamePattern();

    /// <summary>The name requests select the adapter by.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The adapter for the vision graph (vision tower and projector layers), or null when it changes none.</summary>
    [JsonPropertyName("vision")]
    public string? Vision { get; init; }

    /// <summary>The adapter for the decoder graph, or null when it changes no decoder layer.</summary>
    [JsonPropertyName("decoder")]
    public string? Decoder { get; init; }
}

/// <summary>Provenance of a converted model.</summary>
public sealed record PaliGemmaModelSource
{
    /// <summary>SHA-256 over the source checkpoint's weight files (hex), if known.</summary>
    [JsonPropertyName("checkpoint_sha256")]
    public string? CheckpointSha256 { get; init; }

    /// <summary>The tool and version that wrote the folder.</summary>
    [JsonPropertyName("converter")]
    public string? Converter { get; init; }

    /// <summary>Free-form note (e.g. "random weights, tiny PaliGemma 2 shape, seed 1").</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }
}

/// <summary>Source-generated JSON metadata for the manifest.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PaliGemmaManifest))]
public sealed partial class PaliGemmaManifestJsonContext : JsonSerializerContext
{
}
