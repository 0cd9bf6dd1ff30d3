using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tiny;

/// <summary>A generated tiny checkpoint: where it is and what it holds.</summary>
/// <param name="Folder">The Hugging Face-layout checkpoint folder.</param>
/// <param name="Config">The configuration written to <c>config.json</c>.</param>
/// <param name="Vocabulary">The tokenizer vocabulary.</param>
public sealed record TinyCheckpoint(string Folder, PaliGemmaConfig Config, TinyVocabulary Vocabulary);

/// <summary>
/// Writes small PaliGemma checkpoints with seeded random weights in the Hugging Face layout (<c>config.json</c>,
/// <c>model.safetensors</c> or shards, tokenizer files). Output is byte-for-byte deterministic for given options.
/// </summary>
public static class TinyModelGenerator
{
    /// <summary>Builds the <see cref="PaliGemmaConfig"/> a tiny model with <paramref name="options"/> has.</summary>
    /// <param name="options">The options.</param>
    public static PaliGemmaConfig CreateConfig(TinyModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var vocabulary = new TinyVocabulary();
        int vocabSize = options.VocabSize ?? ((vocabulary.Count + 63) / 64 * 64);
        if (vocabSize < vocabulary.Count)
        {
            throw new ArgumentException($"VocabSize {vocabSize} is smaller than the tokenizer's {vocabulary.Count} tokens.", nameof(options));
        }

        bool gemma2 = options.Variant == TinyModelVariant.PaliGemma2;
        return new PaliGemmaConfig
        {
            Vision = new SiglipVisionConfig
            {
                HiddenSize = options.VisionHiddenSize,
                IntermediateSize = options.VisionIntermediateSize,
                NumHiddenLayers = options.VisionLayers,
                NumAttentionHeads = options.VisionHeads,
                PatchSize = options.PatchSize,
                ImageSize = options.ImageSize,
            },
            Text = new GemmaTextConfig
            {
                ModelType = gemma2 ? "gemma2" : "gemma",
                HiddenSize = options.TextHiddenSize,
                IntermediateSize = options.TextIntermediateSize,
                NumHiddenLayers = options.TextLayers,
                NumAttentionHeads = options.TextHeads,
                NumKeyValueHeads = options.EffectiveKeyValueHeads,
                HeadDim = options.HeadDim,
                VocabSize = vocabSize,
                QueryPreAttnScalar = options.HeadDim,
                AttnLogitSoftcapping = gemma2 ? 50f : null,
                FinalLogitSoftcapping = gemma2 ? 30f : null,
                SlidingWindow = gemma2 ? options.SlidingWindow : null,
            },
            ImageTokenIndex = vocabulary.ImageId,
            ProjectionDim = options.TextHiddenSize,
        };
    }

    /// <summary>Writes a tiny checkpoint into <paramref name="outputDir"/> (created if needed; existing files are overwritten).</summary>
    /// <param name="outputDir">The destination folder.</param>
    /// <param name="options">The options.</param>
    public static TinyCheckpoint Generate(string outputDir, TinyModelOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDir);
        PaliGemmaConfig config = CreateConfig(options);
        var vocabulary = new TinyVocabulary();
        Directory.CreateDirectory(outputDir);
        TinyConfigWriter.Write(Path.Combine(outputDir, PaliGemmaConfigReader.FileName), config, options);
        TinyTokenizerWriter.Write(outputDir, vocabulary);

        List<SafetensorsTensor> tensors = CreateTensors(config, options);
        if (options.ShardCount > 1)
        {
            SafetensorsWriter.WriteSharded(outputDir, tensors, Math.Min(options.ShardCount, tensors.Count));
        }
        else
        {
            SafetensorsWriter.Write(Path.Combine(outputDir, CheckpointFolder.SingleFileName), tensors);
        }

        return new TinyCheckpoint(outputDir, config, vocabulary);
    }

    /// <summary>Lists the tensors of a tiny checkpoint with their seeded random fillers (names in the requested layout).</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="options">Seed, scales, storage type and key layout.</param>
    public static List<SafetensorsTensor> CreateTensors(PaliGemmaConfig config, TinyModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tensors = new List<SafetensorsTensor>();
        foreach (ExpectedTensor expected in PaliGemmaTensorLayout.Expected(config))
        {
            string stored = options.KeyLayout == CheckpointKeyLayout.Nested ? CheckpointKeys.ToNewLayout(expected.Name) : expected.Name;
            (float mean, float std) = expected.Role switch
            {
                TensorRole.Embedding => (0f, options.EmbeddingStd),
                TensorRole.LayerNormScale => (1f, options.WeightStd),
                _ => (0f, options.WeightStd),
            };

            // One generator per tensor, advanced by consecutive chunks: the writer fills in order.
            var random = new SeededNormal(options.Seed, expected.Name);
            tensors.Add(new SafetensorsTensor(stored, options.DataType, expected.Shape, (_, chunk) => random.Fill(chunk, mean, std)));
        }

        return tensors;
    }
}
