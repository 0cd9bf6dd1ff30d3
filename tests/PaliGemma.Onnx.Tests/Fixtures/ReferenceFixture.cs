using System.Runtime.InteropServices;
using System.Text.Json;
using PaliGemma.Onnx.Checkpoints;
using PaliGemma.Onnx.Configuration;

namespace PaliGemma.Onnx.Tests.Fixtures;

/// <summary>
/// One fixture case (format in tests/Fixtures/reference/README.md). A <c>reference</c> case holds everything; an
/// <c>hf</c> case (tests/Fixtures/hf/&lt;case&gt;, written by tools/reference/make_hf_fixtures.py) holds only the
/// expected arrays and prompt, and takes the checkpoint and pixels from the reference case of the same name.
/// Config and weights are read with the product readers (<see cref="PaliGemmaConfigReader"/>, <see cref="CheckpointFolder"/>).
/// </summary>
internal sealed class ReferenceFixture
{
    /// <summary>Source of expectations: the independent PyTorch oracle (float64).</summary>
    public const string ReferenceSource = "reference";

    /// <summary>Source of expectations: Hugging Face transformers (gold fixtures, present only once generated).</summary>
    public const string HfSource = "hf";

    private readonly JsonElement _case;
    private readonly byte[] _arrays;
    private readonly JsonElement _sourceCase;
    private readonly byte[] _sourceArrays;

    private ReferenceFixture(string source, string name)
    {
        Source = source;
        Name = name;
        ModelFolder = Path.Combine(ReferenceRoot, name);
        (_sourceCase, _sourceArrays) = ReadCase(ModelFolder);
        (_case, _arrays) = source == ReferenceSource ? (_sourceCase, _sourceArrays) : ReadCase(Path.Combine(FixturesRoot, source, name));
        Config = PaliGemmaConfigReader.Read(Path.Combine(CheckpointFolderPath, PaliGemmaConfigReader.FileName));
    }

    /// <summary>Gets <see cref="ReferenceSource"/> or <see cref="HfSource"/>.</summary>
    public string Source { get; }

    /// <summary>Gets the case name (pg1, pg2, ...).</summary>
    public string Name { get; }

    /// <summary>Gets the reference case folder (checkpoint, image, pixels).</summary>
    public string ModelFolder { get; }

    public PaliGemmaConfig Config { get; }

    /// <summary>Gets the reference case folder (same as <see cref="ModelFolder"/>).</summary>
    public string Folder => ModelFolder;

    /// <summary>Gets the single safetensors file of the checkpoint.</summary>
    public string CheckpointPath => Path.Combine(CheckpointFolderPath, CheckpointFolder.SingleFileName);

    /// <summary>Gets the HF checkpoint folder (config.json + model.safetensors).</summary>
    public string CheckpointFolderPath => Path.Combine(ModelFolder, "model");

    /// <summary>Gets the expectations' case.json.</summary>
    public JsonElement Case => _case;

    public int ImageSize => _sourceCase.GetProperty("image_size").GetInt32();

    public static string FixturesRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "Fixtures");
                if (File.Exists(Path.Combine(candidate, ReferenceSource, "cases.json")))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("tests/Fixtures/reference not found above " + AppContext.BaseDirectory);
        }
    }

    public static string ReferenceRoot => Path.Combine(FixturesRoot, ReferenceSource);

    /// <summary>The reference cases listed in tests/Fixtures/reference/cases.json.</summary>
    public static IReadOnlyList<string> CaseNames()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceRoot, "cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>
    /// Every (source, case) pair: all reference cases, plus each tests/Fixtures/hf/&lt;case&gt;/ that has a case.json
    /// (none until make_hf_fixtures.py has been run on a machine with transformers).
    /// </summary>
    public static IReadOnlyList<(string Source, string Name)> AllCases()
    {
        var all = CaseNames().Select(n => (ReferenceSource, n)).ToList();
        string hf = Path.Combine(FixturesRoot, HfSource);
        if (Directory.Exists(hf))
        {
            all.AddRange(Directory.EnumerateDirectories(hf)
                .Where(d => File.Exists(Path.Combine(d, "case.json")))
                .Select(d => (HfSource, Path.GetFileName(d)))
                .OrderBy(c => c.Item2, StringComparer.Ordinal));
        }

        return all;
    }

    public static ReferenceFixture Load(string name) => new(ReferenceSource, name);

    public static ReferenceFixture Load(string source, string name) => new(source, name);

    /// <summary>Opens the checkpoint with the product safetensors reader.</summary>
    public SafetensorsReader OpenWeights() => CheckpointFolder.Open(CheckpointFolderPath);

    public int[] Ints(string key) => _case.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Gets the prompt of the image run (empty prefix) or of the text-only run (prefix "text_only.").</summary>
    public int[] Prompt(string prefix) => prefix.Length == 0
        ? Ints("prompt_ids")
        : _case.GetProperty(prefix.TrimEnd('.')).GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Gets the tokens fed at the decode steps: decode_inputs, or (hf cases) the first greedy tokens.</summary>
    public int[] DecodeInputs(string prefix) => prefix.Length == 0 && _case.TryGetProperty("decode_inputs", out _)
        ? Ints("decode_inputs")
        : IntArray(prefix + "greedy_tokens").Take(_case.GetProperty("decode_steps").GetInt32()).ToArray();

    public float[] Floats(string array) => MemoryMarshal.Cast<byte, float>(Slice(_case, _arrays, array)).ToArray();

    public int[] IntArray(string array) => MemoryMarshal.Cast<byte, int>(Slice(_case, _arrays, array)).ToArray();

    public bool Has(string array) => _case.GetProperty("arrays").TryGetProperty(array, out _);

    /// <summary>pixel_values from pixels_u8 with the README's bit-exact formula (CHW, batch 1).</summary>
    public float[] PixelValues()
    {
        byte[] hwc = Slice(_sourceCase, _sourceArrays, "pixels_u8").ToArray();
        int s = ImageSize;
        var chw = new float[3 * s * s];
        for (int y = 0; y < s; y++)
        {
            for (int x = 0; x < s; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    float v = (float)(hwc[(((y * s) + x) * 3) + c] * (1.0 / 255.0));
                    chw[(c * s * s) + (y * s) + x] = (v - 0.5f) / 0.5f;
                }
            }
        }

        return chw;
    }

    public override string ToString() => $"{Source}/{Name}";

    private static (JsonElement Case, byte[] Arrays) ReadCase(string folder)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "case.json")));
        return (doc.RootElement.Clone(), File.ReadAllBytes(Path.Combine(folder, "arrays.bin")));
    }

    private static ReadOnlySpan<byte> Slice(JsonElement json, byte[] arrays, string array)
    {
        JsonElement a = json.GetProperty("arrays").GetProperty(array);
        return arrays.AsSpan(a.GetProperty("offset").GetInt32(), a.GetProperty("nbytes").GetInt32());
    }
}
