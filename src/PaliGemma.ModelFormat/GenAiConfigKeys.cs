namespace PaliGemma.ModelFormat;

/// <summary>
/// The keys of <c>genai_config.json</c> (<see cref="ModelFileNames.GenAiConfig"/>) that the converter writes and the runtime
/// allows, by the object that holds them. The runtime refuses every other key (a model folder is untrusted); see
/// docs/model-format.md.
/// </summary>
public static class GenAiConfigKeys
{
    /// <summary>The root object's <c>model</c> object.</summary>
    public const string Model = "model";

    /// <summary>The root object's <c>search</c> object (generation defaults).</summary>
    public const string Search = "search";

    /// <summary>The value of <see cref="ModelSection.Type"/>: ONNX Runtime GenAI's plain decoder-only model.</summary>
    public const string DecoderModelType = "decoder";

    /// <summary>Keys of the <c>model</c> object.</summary>
    public static class ModelSection
    {
        /// <summary>The model type; always <see cref="DecoderModelType"/>.</summary>
        public const string Type = "type";

        /// <summary>The beginning-of-sequence id.</summary>
        public const string BosTokenId = "bos_token_id";

        /// <summary>The end-of-sequence id, or an array of ids that end generation.</summary>
        public const string EosTokenId = "eos_token_id";

        /// <summary>The padding id.</summary>
        public const string PadTokenId = "pad_token_id";

        /// <summary>The width of the logits.</summary>
        public const string VocabSize = "vocab_size";

        /// <summary>The maximum total sequence length.</summary>
        public const string ContextLength = "context_length";

        /// <summary>The <c>decoder</c> object (<see cref="DecoderSection"/>).</summary>
        public const string Decoder = "decoder";
    }

    /// <summary>Keys of the <c>model.decoder</c> object.</summary>
    public static class DecoderSection
    {
        /// <summary>The <c>session_options</c> object (<see cref="SessionOptions"/>).</summary>
        public const string SessionOptions = "session_options";

        /// <summary>The decoder graph's file name (the manifest's <c>files.decoder</c>).</summary>
        public const string FileName = "filename";

        /// <summary>The attention head width.</summary>
        public const string HeadSize = "head_size";

        /// <summary>The decoder width (the manifest's <c>text_hidden_size</c>).</summary>
        public const string HiddenSize = "hidden_size";

        /// <summary>The number of attention heads.</summary>
        public const string NumAttentionHeads = "num_attention_heads";

        /// <summary>The number of key/value heads.</summary>
        public const string NumKeyValueHeads = "num_key_value_heads";

        /// <summary>The number of decoder layers.</summary>
        public const string NumHiddenLayers = "num_hidden_layers";

        /// <summary>The <c>inputs</c> object (<see cref="Inputs"/>).</summary>
        public const string Inputs = "inputs";

        /// <summary>The <c>outputs</c> object (<see cref="Outputs"/>).</summary>
        public const string Outputs = "outputs";
    }

    /// <summary>Keys of the <c>model.decoder.session_options</c> object.</summary>
    public static class SessionOptions
    {
        /// <summary>ONNX Runtime's log id.</summary>
        public const string LogId = "log_id";

        /// <summary>Execution providers: a model folder may only give an empty array (they come from the application).</summary>
        public const string ProviderOptions = "provider_options";
    }

    /// <summary>Keys of the <c>model.decoder.inputs</c> object: ONNX Runtime GenAI's roles, each mapped to a <see cref="DecoderGraphNames"/> input.</summary>
    public static class Inputs
    {
        /// <summary>Maps to <see cref="DecoderGraphNames.InputIds"/>.</summary>
        public const string InputIds = "input_ids";

        /// <summary>Maps to <see cref="DecoderGraphNames.AttentionMask"/>.</summary>
        public const string AttentionMask = "attention_mask";

        /// <summary>Maps to <see cref="DecoderGraphNames.PositionIds"/>.</summary>
        public const string PositionIds = "position_ids";

        /// <summary>Maps to <see cref="DecoderGraphNames.PastKeyTemplate"/>.</summary>
        public const string PastKeyNames = "past_key_names";

        /// <summary>Maps to <see cref="DecoderGraphNames.PastValueTemplate"/>.</summary>
        public const string PastValueNames = "past_value_names";
    }

    /// <summary>Keys of the <c>model.decoder.outputs</c> object, each mapped to a <see cref="DecoderGraphNames"/> output.</summary>
    public static class Outputs
    {
        /// <summary>Maps to <see cref="DecoderGraphNames.Logits"/>.</summary>
        public const string Logits = "logits";

        /// <summary>Maps to <see cref="DecoderGraphNames.PresentKeyTemplate"/>.</summary>
        public const string PresentKeyNames = "present_key_names";

        /// <summary>Maps to <see cref="DecoderGraphNames.PresentValueTemplate"/>.</summary>
        public const string PresentValueNames = "present_value_names";
    }

    /// <summary>
    /// Keys of the <c>search</c> object, which are also ONNX Runtime GenAI's search-option names: the converter writes
    /// <see cref="MaxLength"/> to <see cref="EarlyStopping"/>; <see cref="LengthPenalty"/> to <see cref="RandomSeed"/> only
    /// steer decoding and are allowed too; <see cref="BatchSize"/> is set by the runtime and <see cref="ChunkSize"/> refused.
    /// </summary>
    public static class SearchSection
    {
        /// <summary>Maximum total length (prompt + generated).</summary>
        public const string MaxLength = "max_length";

        /// <summary>Minimum total length.</summary>
        public const string MinLength = "min_length";

        /// <summary>Sampling instead of greedy search.</summary>
        public const string DoSample = "do_sample";

        /// <summary>Beam count (1: no beam search).</summary>
        public const string NumBeams = "num_beams";

        /// <summary>Sequences returned per prompt.</summary>
        public const string NumReturnSequences = "num_return_sequences";

        /// <summary>Top-k sampling.</summary>
        public const string TopK = "top_k";

        /// <summary>Nucleus sampling.</summary>
        public const string TopP = "top_p";

        /// <summary>Sampling temperature.</summary>
        public const string Temperature = "temperature";

        /// <summary>Repetition penalty.</summary>
        public const string RepetitionPenalty = "repetition_penalty";

        /// <summary>Whether past and present share one buffer (always false: the graph concatenates).</summary>
        public const string PastPresentShareBuffer = "past_present_share_buffer";

        /// <summary>Beam search stops early.</summary>
        public const string EarlyStopping = "early_stopping";

        /// <summary>Beam length penalty.</summary>
        public const string LengthPenalty = "length_penalty";

        /// <summary>No repeated n-grams of this size.</summary>
        public const string NoRepeatNgramSize = "no_repeat_ngram_size";

        /// <summary>Diverse beam search penalty.</summary>
        public const string DiversityPenalty = "diversity_penalty";

        /// <summary>The sampling seed.</summary>
        public const string RandomSeed = "random_seed";

        /// <summary>The batch size (a search option the runtime sets; never in the file).</summary>
        public const string BatchSize = "batch_size";

        /// <summary>Prompt chunking: refused in the file, since PaliGemma's prefix attention needs the whole prompt in one prefill.</summary>
        public const string ChunkSize = "chunk_size";
    }

    /// <summary>A key whose value ONNX Runtime loads as a native library: refused anywhere in a model folder's file.</summary>
    public const string CustomOpsLibrary = "custom_ops_library";
}
