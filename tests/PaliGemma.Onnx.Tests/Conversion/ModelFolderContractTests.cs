using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Onnx;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;
using PaliGemma.Onnx.Conversion;
using PaliGemma.Onnx.Tests.Masks;
using PaliGemma.Tests.Shared;

namespace PaliGemma.Onnx.Tests.Conversion;

/// <summary>
/// The model-folder contract (<c>PaliGemma.ModelFormat</c>) is the one source of every name the converter writes and the
/// runtime reads: a converted folder holds exactly the contract's files, its graphs declare exactly the contract's
/// input/output names, its <c>genai_config.json</c> uses exactly the contract's keys, the runtime loads it, the names are
/// the ones docs/model-format.md documents, and no code outside the contract project spells one of them as a literal.
/// </summary>
public sealed class ModelFolderContractTests(MaskConversionCheckpoint source) : IClassFixture<MaskConversionCheckpoint>
{
    /// <summary>The contract types whose string constants are model-folder names (files, graph inputs/outputs, metadata).</summary>
    private static readonly Type[] NameTypes = [typeof(ModelFileNames), typeof(VisionGraphNames), typeof(DecoderGraphNames), typeof(MaskDecoderGraphNames)];

    [Fact]
    public void A_converted_folder_holds_the_contract_names_and_the_runtime_loads_it()
    {
        using var work = new TempFolder();
        string folder = work.File("model");
        PaliGemmaManifest manifest = PaliGemmaConverter.Convert(new ConvertOptions
        {
            InputDirectory = source.Checkpoint.Folder,
            OutputDirectory = folder,
            MaskDecoderNpzPath = MaskFixtures.Npz,
        });

        // Files: exactly the contract's, and the manifest names the contract's defaults.
        string[] expectedFiles =
        [
            ModelFileNames.Manifest, ModelFileNames.GenAiConfig, ModelFileNames.Vision, ModelFileNames.Vision + ModelFileNames.ExternalDataSuffix,
            ModelFileNames.Decoder, ModelFileNames.Decoder + ModelFileNames.ExternalDataSuffix, ModelFileNames.MaskDecoder,
            ModelFileNames.Tokenizer, ModelFileNames.TokenizerConfig, ModelFileNames.SpecialTokensMap,
        ];
        Assert.Equal(expectedFiles.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(ModelFileNames.Vision, manifest.Files.Vision);
        Assert.Equal(ModelFileNames.Decoder, manifest.Files.Decoder);
        Assert.Equal(ModelFileNames.Tokenizer, manifest.Files.Tokenizer);
        Assert.Equal(ModelFileNames.MaskDecoder, manifest.Files.MaskDecoder);
        Assert.Contains(manifest.Architecture, PaliGemmaManifest.Architectures);
        Assert.Contains(manifest.Precision, PaliGemmaManifest.Precisions);

        // Graph inputs and outputs: exactly the contract's.
        int layers;
        using (JsonDocument genai = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, ModelFileNames.GenAiConfig))))
        {
            JsonElement decoderSection = genai.RootElement.GetProperty(GenAiConfigKeys.Model).GetProperty(GenAiConfigKeys.ModelSection.Decoder);
            layers = decoderSection.GetProperty(GenAiConfigKeys.DecoderSection.NumHiddenLayers).GetInt32();
            Assert.Equal(manifest.Files.Decoder, decoderSection.GetProperty(GenAiConfigKeys.DecoderSection.FileName).GetString());
            AssertKeysAreTheContracts(genai.RootElement);

            // genai_config maps ONNX Runtime GenAI's roles to the decoder graph's names.
            JsonElement inputs = decoderSection.GetProperty(GenAiConfigKeys.DecoderSection.Inputs);
            JsonElement outputs = decoderSection.GetProperty(GenAiConfigKeys.DecoderSection.Outputs);
            Assert.Equal(DecoderGraphNames.InputIds, inputs.GetProperty(GenAiConfigKeys.Inputs.InputIds).GetString());
            Assert.Equal(DecoderGraphNames.AttentionMask, inputs.GetProperty(GenAiConfigKeys.Inputs.AttentionMask).GetString());
            Assert.Equal(DecoderGraphNames.PositionIds, inputs.GetProperty(GenAiConfigKeys.Inputs.PositionIds).GetString());
            Assert.Equal(DecoderGraphNames.PastKeyTemplate, inputs.GetProperty(GenAiConfigKeys.Inputs.PastKeyNames).GetString());
            Assert.Equal(DecoderGraphNames.PastValueTemplate, inputs.GetProperty(GenAiConfigKeys.Inputs.PastValueNames).GetString());
            Assert.Equal(DecoderGraphNames.Logits, outputs.GetProperty(GenAiConfigKeys.Outputs.Logits).GetString());
            Assert.Equal(DecoderGraphNames.PresentKeyTemplate, outputs.GetProperty(GenAiConfigKeys.Outputs.PresentKeyNames).GetString());
            Assert.Equal(DecoderGraphNames.PresentValueTemplate, outputs.GetProperty(GenAiConfigKeys.Outputs.PresentValueNames).GetString());
        }

        Assert.True(layers > 0);
        string[] perLayer(string template) => [.. Enumerable.Range(0, layers).Select(i => template.Replace("%d", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))];
        ModelProto vision = LoadGraph(Path.Combine(folder, manifest.Files.Vision));
        AssertNames([VisionGraphNames.PixelValues], vision.Graph.Input);
        AssertNames([VisionGraphNames.ImageFeatures], vision.Graph.Output);
        ModelProto decoder = LoadGraph(Path.Combine(folder, manifest.Files.Decoder));
        AssertNames(
            [DecoderGraphNames.InputIds, DecoderGraphNames.AttentionMask, DecoderGraphNames.PositionIds, DecoderGraphNames.ImageFeatures,
             .. perLayer(DecoderGraphNames.PastKeyTemplate), .. perLayer(DecoderGraphNames.PastValueTemplate)],
            decoder.Graph.Input);
        AssertNames([DecoderGraphNames.Logits, .. perLayer(DecoderGraphNames.PresentKeyTemplate), .. perLayer(DecoderGraphNames.PresentValueTemplate)], decoder.Graph.Output);
        ModelProto mask = LoadGraph(Path.Combine(folder, manifest.Files.MaskDecoder!));
        AssertNames([MaskDecoderGraphNames.Codes], mask.Graph.Input);
        AssertNames([MaskDecoderGraphNames.Logits], mask.Graph.Output);
        Assert.Contains(mask.MetadataProps, p => p.Key == MaskDecoderGraphNames.CodebookSizeMetadataKey);

        // The runtime reads the same folder: it refuses unknown genai_config keys, wrong graph names and missing files.
        using PaliGemmaModel model = PaliGemmaModel.Load(folder);
        Assert.Equal(manifest.ModelId, model.ModelId);
        Assert.Equal(manifest.Files, model.Manifest.Files);
        Assert.NotNull(model.MaskDecoder);
    }

    [Fact]
    public void Every_contract_name_is_the_one_docs_model_format_documents()
    {
        string doc = File.ReadAllText(RepositoryPaths.Combine("docs", "model-format.md"));
        var missing = new List<string>();
        foreach ((string constant, string value) in NameConstants())
        {
            // The doc names files in its folder tree and everything else in backticks.
            bool documented = doc.Contains($"`{value}`", StringComparison.Ordinal)
                || Regex.IsMatch(doc, $@"^\s+{Regex.Escape(value)}\s", RegexOptions.Multiline)
                || (value.StartsWith('.') && doc.Contains(value + " ", StringComparison.Ordinal));
            if (!documented)
            {
                missing.Add($"{constant} = \"{value}\"");
            }
        }

        Assert.True(missing.Count == 0, "not in docs/model-format.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void No_code_outside_the_contract_spells_a_model_folder_name()
    {
        var offenders = new List<string>();
        (string Constant, string Value)[] names = [.. NameConstants()];
        (string Constant, string Value)[] keys = [.. Constants(typeof(GenAiConfigKeys))];
        foreach (string file in SourceFiles())
        {
            string[] lines = File.ReadAllLines(file);
            bool usesKeys = lines.Any(l => l.Contains(nameof(GenAiConfigKeys), StringComparison.Ordinal));
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                // Graph and file names may appear nowhere else; genai_config keys not in a file that reads or writes
                // genai_config (others, such as Hugging Face's config.json readers, share some key names by chance).
                IEnumerable<(string Constant, string Value)> forbidden = usesKeys ? names.Concat(keys) : names;
                foreach ((string constant, string value) in forbidden)
                {
                    if (line.Contains($"\"{value}\"", StringComparison.Ordinal))
                    {
                        offenders.Add($"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{i + 1} spells \"{value}\" ({constant})");
                    }
                }

                if (line.Contains("SetSearchOption(\"", StringComparison.Ordinal))
                {
                    offenders.Add($"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{i + 1} names a search option by a literal (GenAiConfigKeys.SearchSection)");
                }
            }
        }

        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void The_converter_and_the_contract_reference_no_runtime_assembly()
    {
        string[] converter = [.. typeof(PaliGemmaConverter).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];
        string[] contract = [.. typeof(PaliGemmaManifest).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];

        Assert.Contains("PaliGemma.ModelFormat", converter);
        foreach (string forbidden in new[] { "PaliGemma.AI", "Microsoft.ML.OnnxRuntimeGenAI", "Microsoft.ML.OnnxRuntime", "SkiaSharp", "Microsoft.Extensions.AI", "Microsoft.Extensions.AI.Abstractions" })
        {
            Assert.DoesNotContain(forbidden, converter);
        }

        Assert.All(contract, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard", $"PaliGemma.ModelFormat references {name}"));
    }

    /// <summary>Checks the key tree of a written genai_config.json against the contract's nested key classes.</summary>
    private static void AssertKeysAreTheContracts(JsonElement root)
    {
        var sections = new Dictionary<string, Type>(StringComparer.Ordinal)
        {
            [GenAiConfigKeys.Model] = typeof(GenAiConfigKeys.ModelSection),
            [GenAiConfigKeys.Model + "." + GenAiConfigKeys.ModelSection.Decoder] = typeof(GenAiConfigKeys.DecoderSection),
            [GenAiConfigKeys.Model + "." + GenAiConfigKeys.ModelSection.Decoder + "." + GenAiConfigKeys.DecoderSection.SessionOptions] = typeof(GenAiConfigKeys.SessionOptions),
            [GenAiConfigKeys.Model + "." + GenAiConfigKeys.ModelSection.Decoder + "." + GenAiConfigKeys.DecoderSection.Inputs] = typeof(GenAiConfigKeys.Inputs),
            [GenAiConfigKeys.Model + "." + GenAiConfigKeys.ModelSection.Decoder + "." + GenAiConfigKeys.DecoderSection.Outputs] = typeof(GenAiConfigKeys.Outputs),
            [GenAiConfigKeys.Search] = typeof(GenAiConfigKeys.SearchSection),
        };
        Assert.Equal([GenAiConfigKeys.Model, GenAiConfigKeys.Search], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(GenAiConfigKeys.DecoderModelType, root.GetProperty(GenAiConfigKeys.Model).GetProperty(GenAiConfigKeys.ModelSection.Type).GetString());
        int checkedSections = 0;
        void Walk(JsonElement element, string path)
        {
            Assert.True(sections.TryGetValue(path, out Type? section), $"genai_config.json has an object '{path}' the contract does not define");
            string[] allowed = [.. Constants(section!).Select(c => c.Value)];
            checkedSections++;
            foreach (JsonProperty property in element.EnumerateObject())
            {
                Assert.True(allowed.Contains(property.Name, StringComparer.Ordinal), $"genai_config.json key '{path}.{property.Name}' is not in {section!.Name}");
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    Walk(property.Value, path + "." + property.Name);
                }
            }
        }

        foreach (JsonProperty top in root.EnumerateObject())
        {
            Walk(top.Value, top.Name);
        }

        Assert.Equal(sections.Count, checkedSections);
    }

    private static void AssertNames(string[] expected, IEnumerable<ValueInfoProto> actual) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Select(v => v.Name).Order(StringComparer.Ordinal));

    private static ModelProto LoadGraph(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    private static IEnumerable<(string Constant, string Value)> NameConstants() => NameTypes.SelectMany(t => Constants(t, nested: false));

    /// <summary>The string constants of <paramref name="type"/> (and of its nested classes), by qualified name.</summary>
    private static IEnumerable<(string Constant, string Value)> Constants(Type type, bool nested = true)
    {
        IEnumerable<(string, string)> own = type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => ($"{type.Name}.{f.Name}", (string)f.GetRawConstantValue()!));
        return nested ? own.Concat(type.GetNestedTypes().SelectMany(n => Constants(n))) : own;
    }

    /// <summary>Every C# file of the shipped code, tools, samples, benchmarks and fuzz targets, except the contract project.</summary>
    private static IEnumerable<string> SourceFiles()
    {
        string contract = RepositoryPaths.Combine("src", "PaliGemma.ModelFormat") + Path.DirectorySeparatorChar;
        string[] roots = ["src", "tools", "samples", "benchmarks", "fuzz"];
        string[] files = [.. roots.Select(r => RepositoryPaths.Combine(r)).Where(Directory.Exists)
            .SelectMany(r => Directory.EnumerateFiles(r, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.StartsWith(contract, StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))];
        Assert.True(files.Length > 100, $"found only {files.Length} source files under {RepositoryPaths.Root}");
        return files;
    }
}
