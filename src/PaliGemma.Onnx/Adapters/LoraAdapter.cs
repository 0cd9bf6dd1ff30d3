using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Adapters;

/// <summary>One linear layer an adapter changes: its canonical base weight, the adapter tensors and the merge scale.</summary>
/// <param name="Weight">Canonical name of the base weight [out, in].</param>
/// <param name="Module">The module name as the adapter spells it (its key layout).</param>
/// <param name="A">Adapter tensor lora_A [rank, in].</param>
/// <param name="B">Adapter tensor lora_B [out, rank].</param>
/// <param name="Rank">The rank r of this layer (<c>r</c>, or its <c>rank_pattern</c> entry).</param>
/// <param name="Scale">alpha / r, or alpha / sqrt(r) with <c>use_rslora</c>.</param>
/// <param name="OutDim">Output features.</param>
/// <param name="InDim">Input features.</param>
internal sealed record LoraTarget(string Weight, string Module, string A, string B, int Rank, double Scale, long OutDim, long InDim);

/// <summary>
/// A validated Hugging Face PEFT LoRA adapter for a PaliGemma checkpoint (<c>adapter_config.json</c> +
/// <c>adapter_model.safetensors</c>), with every targeted linear layer resolved to a canonical base weight. The folder is
/// untrusted: the config is read with a size cap and checked key by key, the weights through the converter's safetensors
/// reader (header limits, offsets), and every tensor must belong to a targeted linear layer with the shapes the base
/// model implies. Anything the merge cannot reproduce exactly fails with a <see cref="LoraAdapterException"/> naming the
/// field and its value.
/// </summary>
internal sealed class LoraAdapter : IDisposable
{
    /// <summary>The PEFT config file name.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The PEFT weights file name.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The largest <c>adapter_config.json</c> read (PEFT writes about 1 KB).</summary>
    public const long MaxConfigBytes = 1 << 20;

    private const string KeyPrefix = "base_model.model.";
    private const string SuffixA = ".lora_A.weight";
    private const string SuffixB = ".lora_B.weight";
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Boolean fields that change the forward pass in a way a merged W + scale·B·A cannot express when true.</summary>
    private static readonly string[] UnsupportedFlags = ["use_dora", "lora_bias", "use_qalora"];

    /// <summary>Fields that must be absent, null or empty (each changes which weights exist or how they are applied).</summary>
    private static readonly string[] UnsupportedWhenSet =
        ["modules_to_save", "layers_to_transform", "layers_pattern", "trainable_token_indices", "target_parameters", "layer_replication", "alora_invocation_tokens"];

    /// <summary><c>init_lora_weights</c> values that rewrite the base weights during training (the adapter then needs that edited base).</summary>
    private static readonly string[] BaseEditingInits = ["pissa", "olora", "corda"];

    private readonly SafetensorsReader _weights;

    private LoraAdapter(string directory, SafetensorsReader weights, IReadOnlyList<LoraTarget> targets, bool newLayout)
    {
        Directory = directory;
        _weights = weights;
        Targets = targets.ToDictionary(t => t.Weight, StringComparer.Ordinal);
        NewKeyLayout = newLayout;
    }

    /// <summary>Gets the adapter folder.</summary>
    public string Directory { get; }

    /// <summary>Gets the targeted layers by canonical base weight name.</summary>
    public IReadOnlyDictionary<string, LoraTarget> Targets { get; }

    /// <summary>Gets whether the adapter's keys use the newer (transformers ≥ 4.52, <c>model.language_model.…</c>) layout.</summary>
    public bool NewKeyLayout { get; }

    /// <summary>Gets the adapter files (config, weights), for hashing.</summary>
    public IReadOnlyList<string> Files => [Path.Combine(Directory, ConfigFileName), Path.Combine(Directory, WeightsFileName)];

    /// <summary>Reads and validates an adapter folder against the base model's configuration.</summary>
    /// <param name="directory">The folder holding <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.</param>
    /// <param name="config">The base checkpoint's configuration.</param>
    /// <exception cref="LoraAdapterException">Anything missing, malformed or unsupported; the exception names the field and value.</exception>
    public static LoraAdapter Load(string directory, PaliGemmaConfig config)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(config);
        string folder = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(folder))
        {
            throw new LoraAdapterException("adapter", folder, $"LoRA adapter folder '{folder}' does not exist.");
        }

        LoraSettings settings = ReadSettings(folder);
        string weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            string other = File.Exists(Path.Combine(folder, "adapter_model.bin")) ? " It holds 'adapter_model.bin' (a pickle), which is not read: save the adapter with safe_serialization=True." : string.Empty;
            throw new LoraAdapterException(WeightsFileName, null, $"LoRA adapter '{folder}' has no '{WeightsFileName}'.{other}");
        }

        SafetensorsReader weights;
        try
        {
            weights = SafetensorsReader.Open(weightsPath);
        }
        catch (CheckpointException ex)
        {
            throw new LoraAdapterException(WeightsFileName, null, $"LoRA adapter '{folder}': {ex.Message}", ex);
        }

        try
        {
            (IReadOnlyList<LoraTarget> targets, bool newLayout) = Resolve(folder, settings, weights, config);
            return new LoraAdapter(folder, weights, targets, newLayout);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>Reads an adapter tensor as float32.</summary>
    public float[] Read(string tensor)
    {
        TensorInfo info = _weights.GetInfo(tensor);
        float[] data = new float[info.ElementCount];
        _weights.ReadFloat32(tensor, data);
        return data;
    }

    /// <inheritdoc/>
    public void Dispose() => _weights.Dispose();

    private static LoraSettings ReadSettings(string folder)
    {
        string path = Path.Combine(folder, ConfigFileName);
        if (!File.Exists(path))
        {
            throw new LoraAdapterException(ConfigFileName, null, $"LoRA adapter '{folder}' has no '{ConfigFileName}'.");
        }

        long length = new FileInfo(path).Length;
        if (length > MaxConfigBytes)
        {
            throw new LoraAdapterException(ConfigFileName, length.ToString(CultureInfo.InvariantCulture), $"LoRA adapter config '{path}' is {length} bytes; at most {MaxConfigBytes} are read.");
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new LoraAdapterException(ConfigFileName, document.RootElement.ValueKind.ToString(), $"LoRA adapter config '{path}' must be a JSON object.");
            }

            return LoraSettings.Parse(path, document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new LoraAdapterException(ConfigFileName, null, $"LoRA adapter config '{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (Exception ex) when (JsonUtf8Errors.IsInvalidUtf8(ex))
        {
            throw new LoraAdapterException(ConfigFileName, null, $"LoRA adapter config '{path}' holds a string that is not valid UTF-8.", ex);
        }
    }

    private static (IReadOnlyList<LoraTarget> Targets, bool NewLayout) Resolve(string folder, LoraSettings settings, SafetensorsReader weights, PaliGemmaConfig config)
    {
        // Which module each adapter tensor belongs to, and which key layout the adapter uses.
        var byModule = new Dictionary<string, (string? A, string? B)>(StringComparer.Ordinal);
        bool? newLayout = null;
        foreach (string key in weights.Names)
        {
            bool isA = key.EndsWith(SuffixA, StringComparison.Ordinal), isB = key.EndsWith(SuffixB, StringComparison.Ordinal);
            if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || !(isA || isB))
            {
                throw new LoraAdapterException(key, null, $"LoRA adapter '{folder}': tensor '{key}' is not a PEFT LoRA matrix of a linear layer ('{KeyPrefix}<module>{SuffixA}' or '{SuffixB}'); {Describe(key)}");
            }

            string module = key[KeyPrefix.Length..^SuffixA.Length];
            bool isNew = module.StartsWith("model.", StringComparison.Ordinal);
            if (newLayout is { } layout && layout != isNew)
            {
                throw new LoraAdapterException(key, null, $"LoRA adapter '{folder}': tensor '{key}' uses a different key layout than the adapter's other tensors (both 'language_model.model.…' and 'model.language_model.…' names).");
            }

            newLayout = isNew;
            var entry = byModule.GetValueOrDefault(module);
            byModule[module] = isA ? entry with { A = key } : entry with { B = key };
        }

        if (newLayout is null)
        {
            throw new LoraAdapterException(WeightsFileName, "0 tensors", $"LoRA adapter '{folder}': '{WeightsFileName}' holds no tensors.");
        }

        var linear = PaliGemmaTensorNames.AllTensors(config)
            .Where(t => t.Shape.Count == 2 && PaliGemmaTensorLayout.RoleOf(t.Name) == TensorRole.Weight)
            .ToArray();
        string ModuleName(string canonicalWeight)
        {
            string name = newLayout.Value ? CheckpointKeys.ToNewLayout(canonicalWeight) : canonicalWeight;
            return name[..^".weight".Length];
        }

        // Layers that cannot be merged into this model's graphs: the tied head (shared with the embedding), embeddings, the patch convolution.
        foreach ((string weight, string kind) in new[]
        {
            (PaliGemmaTensorNames.EmbedTokens, "the token embedding (tied to the output head)"),
            (PaliGemmaTensorNames.LmHead, "the output head (tied to the token embedding)"),
            (PaliGemmaTensorNames.Vision + "embeddings.patch_embedding.weight", "a Conv2d"),
            (PaliGemmaTensorNames.Vision + "embeddings.position_embedding.weight", "an embedding"),
        })
        {
            string module = ModuleName(weight);
            if (settings.Selects(module, allLinearIncludes: false) || byModule.ContainsKey(module))
            {
                throw new LoraAdapterException("target_modules", settings.TargetModulesText, $"LoRA adapter '{folder}': target_modules {settings.TargetModulesText} selects '{module}', {kind}; only linear layers can be merged.");
            }
        }

        var targets = new List<LoraTarget>();
        foreach (TensorInfo w in linear)
        {
            string module = ModuleName(w.Name);
            if (!settings.Selects(module, allLinearIncludes: true))
            {
                continue;
            }

            (string? a, string? b) = byModule.GetValueOrDefault(module);
            if (a is null || b is null)
            {
                string missing = KeyPrefix + module + (a is null ? SuffixA : SuffixB);
                throw new LoraAdapterException(missing, null, $"LoRA adapter '{folder}': target_modules {settings.TargetModulesText} selects '{module}', but '{WeightsFileName}' has no tensor '{missing}'.");
            }

            (int rank, double alpha) = settings.RankAndAlpha(module);
            long outDim = w.Shape[0], inDim = w.Shape[1];
            CheckShape(folder, weights, a, [rank, inDim]);
            CheckShape(folder, weights, b, [outDim, rank]);
            double scale = settings.UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
            targets.Add(new LoraTarget(w.Name, module, a, b, rank, scale, outDim, inDim));
            byModule.Remove(module);
        }

        foreach ((string module, (string? a, string? b)) in byModule)
        {
            string key = a ?? b!;
            bool known = linear.Any(w => string.Equals(ModuleName(w.Name), module, StringComparison.Ordinal));
            throw new LoraAdapterException(key, null, known
                ? $"LoRA adapter '{folder}': tensor '{key}' belongs to '{module}', which target_modules {settings.TargetModulesText} does not select (or exclude_modules excludes)."
                : $"LoRA adapter '{folder}': tensor '{key}' belongs to '{module}', which is not a linear layer of this base model ({config.Vision.NumHiddenLayers} vision and {config.Text.NumHiddenLayers} decoder layers).");
        }

        if (targets.Count == 0)
        {
            throw new LoraAdapterException("target_modules", settings.TargetModulesText, $"LoRA adapter '{folder}': target_modules {settings.TargetModulesText} selects no linear layer of this base model.");
        }

        return (targets, newLayout.Value);
    }

    private static void CheckShape(string folder, SafetensorsReader weights, string tensor, long[] expected)
    {
        TensorInfo info = weights.GetInfo(tensor);
        if (!info.Shape.SequenceEqual(expected))
        {
            string actual = "[" + string.Join(", ", info.Shape) + "]";
            throw new LoraAdapterException(tensor, actual, $"LoRA adapter '{folder}': tensor '{tensor}' has shape {actual}; the base model and the adapter's rank require [{string.Join(", ", expected)}].");
        }
    }

    private static string Describe(string key) =>
        key.Contains("lora_magnitude_vector", StringComparison.Ordinal) ? "it is a DoRA magnitude vector (DoRA is not supported)."
        : key.Contains("lora_embedding_", StringComparison.Ordinal) ? "it is an embedding LoRA (the embedding is tied to the output head and cannot be merged)."
        : key.Contains("modules_to_save", StringComparison.Ordinal) || !key.Contains(".lora_", StringComparison.Ordinal) ? "it is a fully trained copy of a module (modules_to_save), which is not supported."
        : "its kind is not supported.";

    /// <summary>The fields of adapter_config.json the merge uses, validated.</summary>
    private sealed class LoraSettings
    {
        private Regex? _targetRegex;
        private string[] _targetList = [];
        private bool _allLinear;
        private Regex? _excludeRegex;
        private string[] _excludeList = [];
        private readonly List<(Regex Pattern, int Rank)> _rankPattern = [];
        private readonly List<(Regex Pattern, double Alpha)> _alphaPattern = [];

        public int Rank { get; private set; }

        public double Alpha { get; private set; }

        public bool UseRsLora { get; private set; }

        public string TargetModulesText { get; private set; } = "null";

        public static LoraSettings Parse(string path, JsonElement root)
        {
            var s = new LoraSettings();
            string peftType = root.TryGetProperty("peft_type", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : p.ValueKind == JsonValueKind.Undefined ? "(missing)" : p.GetRawText();
            if (!string.Equals(peftType, "LORA", StringComparison.Ordinal))
            {
                throw Bad(path, "peft_type", peftType, "only \"LORA\" adapters can be merged");
            }

            foreach (string flag in UnsupportedFlags)
            {
                if (root.TryGetProperty(flag, out JsonElement f) && f.ValueKind != JsonValueKind.False && f.ValueKind != JsonValueKind.Null)
                {
                    throw Bad(path, flag, f.GetRawText(), flag == "use_dora" ? "DoRA adapters are not supported (the magnitude vector rescales W + B·A column by column)" : "this variant is not supported; only plain LoRA (W + scale·B·A) can be merged");
                }
            }

            if (root.TryGetProperty("bias", out JsonElement bias) && !(bias.ValueKind == JsonValueKind.String && bias.GetString() == "none"))
            {
                throw Bad(path, "bias", bias.GetRawText(), "only \"none\" is supported (trained biases are not part of the merge)");
            }

            foreach (string field in UnsupportedWhenSet)
            {
                if (root.TryGetProperty(field, out JsonElement v) && !IsEmpty(v))
                {
                    throw Bad(path, field, v.GetRawText(), "this field is not supported; it must be null or empty");
                }
            }

            if (root.TryGetProperty("init_lora_weights", out JsonElement init) && init.ValueKind == JsonValueKind.String
                && BaseEditingInits.Any(k => init.GetString()!.StartsWith(k, StringComparison.OrdinalIgnoreCase)))
            {
                throw Bad(path, "init_lora_weights", init.GetRawText(), "this initialisation edits the base weights during training; convert the adapter to plain LoRA first (PEFT's path_initial_model_for_weight_conversion)");
            }

            s.Rank = PositiveInt(path, root, "r");
            s.Alpha = root.TryGetProperty("lora_alpha", out JsonElement alpha) && alpha.ValueKind == JsonValueKind.Number && alpha.TryGetDouble(out double a) && double.IsFinite(a)
                ? a
                : throw Bad(path, "lora_alpha", alpha.ValueKind == JsonValueKind.Undefined ? null : alpha.GetRawText(), "must be a finite number");
            s.UseRsLora = OptionalBool(path, root, "use_rslora");

            // fan_in_fan_out only describes Conv1D-style [in, out] weights (GPT-2); PEFT resets it to false for torch.nn.Linear,
            // and every PaliGemma target is an nn.Linear: the tensors are lora_A [r, in] and lora_B [out, r] either way.
            _ = OptionalBool(path, root, "fan_in_fan_out");

            if (!root.TryGetProperty("target_modules", out JsonElement targets) || targets.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                throw Bad(path, "target_modules", null, "is required (a list of module names or a regular expression)");
            }

            s.TargetModulesText = targets.GetRawText();
            if (targets.ValueKind == JsonValueKind.String)
            {
                string text = targets.GetString()!;
                if (string.Equals(text, "all-linear", StringComparison.OrdinalIgnoreCase))
                {
                    s._allLinear = true;
                }
                else
                {
                    s._targetRegex = FullMatch(path, "target_modules", text);
                }
            }
            else
            {
                s._targetList = StringList(path, "target_modules", targets);
                if (s._targetList.Length == 0)
                {
                    throw Bad(path, "target_modules", s.TargetModulesText, "selects nothing");
                }
            }

            if (root.TryGetProperty("exclude_modules", out JsonElement exclude) && exclude.ValueKind != JsonValueKind.Null)
            {
                if (exclude.ValueKind == JsonValueKind.String)
                {
                    s._excludeRegex = FullMatch(path, "exclude_modules", exclude.GetString()!);
                }
                else
                {
                    s._excludeList = StringList(path, "exclude_modules", exclude);
                }
            }

            foreach ((string field, bool isRank) in new[] { ("rank_pattern", true), ("alpha_pattern", false) })
            {
                if (!root.TryGetProperty(field, out JsonElement pattern) || pattern.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (pattern.ValueKind != JsonValueKind.Object)
                {
                    throw Bad(path, field, pattern.GetRawText(), "must be an object of pattern → number");
                }

                foreach (JsonProperty entry in pattern.EnumerateObject())
                {
                    // PEFT: the first key (in order) for which re.match(rf"(.*\.)?({key})$", module) succeeds.
                    Regex regex = Compile(path, $"{field}.{entry.Name}", entry.Name, @"\A(?:.*\.)?(?:" + entry.Name + @")\z");
                    if (isRank)
                    {
                        int r = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int ri) && ri > 0
                            ? ri
                            : throw Bad(path, $"{field}.{entry.Name}", entry.Value.GetRawText(), "must be a positive integer");
                        s._rankPattern.Add((regex, r));
                    }
                    else
                    {
                        double al = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetDouble(out double ad) && double.IsFinite(ad)
                            ? ad
                            : throw Bad(path, $"{field}.{entry.Name}", entry.Value.GetRawText(), "must be a finite number");
                        s._alphaPattern.Add((regex, al));
                    }
                }
            }

            return s;
        }

        /// <summary>Whether PEFT would wrap <paramref name="module"/>: target_modules selects it and exclude_modules does not.</summary>
        public bool Selects(string module, bool allLinearIncludes)
        {
            bool selected = _allLinear ? allLinearIncludes
                : _targetRegex is not null ? IsMatch(_targetRegex, module)
                : _targetList.Any(t => string.Equals(module, t, StringComparison.Ordinal) || module.EndsWith("." + t, StringComparison.Ordinal));
            if (!selected)
            {
                return false;
            }

            bool excluded = _excludeRegex is not null ? IsMatch(_excludeRegex, module)
                : _excludeList.Any(t => string.Equals(module, t, StringComparison.Ordinal) || module.EndsWith("." + t, StringComparison.Ordinal));
            return !excluded;
        }

        /// <summary>The rank and alpha of a module: the first matching rank_pattern / alpha_pattern entry, else r / lora_alpha.</summary>
        public (int Rank, double Alpha) RankAndAlpha(string module)
        {
            int rank = Rank;
            foreach ((Regex pattern, int r) in _rankPattern)
            {
                if (IsMatch(pattern, module))
                {
                    rank = r;
                    break;
                }
            }

            double alpha = Alpha;
            foreach ((Regex pattern, double al) in _alphaPattern)
            {
                if (IsMatch(pattern, module))
                {
                    alpha = al;
                    break;
                }
            }

            return (rank, alpha);
        }

        private static bool IsMatch(Regex regex, string text)
        {
            try
            {
                return regex.IsMatch(text);
            }
            catch (RegexMatchTimeoutException ex)
            {
                throw new LoraAdapterException("target_modules", regex.ToString(), $"LoRA adapter pattern '{regex}' took longer than {RegexTimeout.TotalSeconds} s on '{text}'.", ex);
            }
        }

        /// <summary>PEFT's <c>re.fullmatch(pattern, module)</c>.</summary>
        private static Regex FullMatch(string path, string field, string pattern) => Compile(path, field, pattern, @"\A(?:" + pattern + @")\z");

        private static Regex Compile(string path, string field, string pattern, string anchored)
        {
            try
            {
                // The pattern must parse on its own, so that it cannot close the anchoring group ("a)|(b").
                _ = new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout);
                return new Regex(anchored, RegexOptions.CultureInvariant, RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new LoraAdapterException(field, pattern, $"LoRA adapter config '{path}': {field} = {pattern} is not a valid regular expression: {ex.Message}", ex);
            }
        }

        private static string[] StringList(string path, string field, JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(e.GetString())))
            {
                throw Bad(path, field, value.GetRawText(), "must be a regular expression string or a list of module names");
            }

            return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }

        private static bool IsEmpty(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False => true,
            JsonValueKind.Array => v.GetArrayLength() == 0,
            JsonValueKind.Object => !v.EnumerateObject().Any(),
            JsonValueKind.String => v.GetString()!.Length == 0,
            _ => false,
        };

        private static int PositiveInt(string path, JsonElement root, string field) =>
            root.TryGetProperty(field, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i > 0
                ? i
                : throw Bad(path, field, v.ValueKind == JsonValueKind.Undefined ? null : v.GetRawText(), "must be a positive integer");

        private static bool OptionalBool(string path, JsonElement root, string field) =>
            !root.TryGetProperty(field, out JsonElement v) || v.ValueKind == JsonValueKind.Null ? false
            : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
            : throw Bad(path, field, v.GetRawText(), "must be true or false");

        private static LoraAdapterException Bad(string path, string field, string? value, string reason) =>
            new(field, value, $"LoRA adapter config '{path}': {field} = {value ?? "(missing)"}: {reason}.");
    }
}
