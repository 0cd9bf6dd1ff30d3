using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using PaliGemma.AI.Runtime;
using PaliGemma.AI.Tests.Runtime;
using PaliGemma.AI.Tests.TestModels;
using PaliGemma.Tests.Shared;

namespace PaliGemma.AI.Tests.Faults;

/// <summary>
/// A model folder is untrusted: <c>genai_config.json</c> may hold only the keys our converter writes (plus harmless
/// search options). A <c>custom_ops_library</c> (native code ONNX Runtime GenAI would <c>dlopen</c>) and execution
/// providers chosen by the folder are refused with a <see cref="PaliGemmaModelException"/> naming the key, before any
/// ONNX Runtime object is created.
/// </summary>
public sealed class UntrustedGenAiConfigTests : IDisposable
{
    private const string CustomOpsKey = "model.decoder.session_options.custom_ops_library";
    private readonly string _work = Directory.CreateTempSubdirectory("pg-untrusted-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task A_custom_ops_library_in_the_folder_is_refused_and_its_code_never_runs()
    {
        string folder = TinyModelFixture.CopyFolder(TinyModelKind.PaliGemma2At224);
        try
        {
            string marker = Path.Combine(_work, "constructor-ran.txt");
            string library = Path.Combine(folder, "libcustom_ops.so");
            bool real = OperatingSystem.IsLinux(); // the library is an ELF shared object; elsewhere a placeholder file is named
            if (real)
            {
                await CompileMarkerLibraryAsync(library, marker);
            }
            else
            {
                File.WriteAllText(library, "not a library");
            }

            AddToDecoderSessionOptions(folder, CustomOpsKey.Split('.')[^1], JsonValue.Create(library));

            var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder));

            Assert.False(File.Exists(marker), "the library's constructor ran: the folder's native code was loaded");
            Assert.Equal(Path.Combine(folder, "genai_config.json"), ex.FilePath);
            Assert.Contains(CustomOpsKey, ex.Message, StringComparison.Ordinal);

            if (!real)
            {
                return;
            }

            // The library is real: loading it (as ONNX Runtime would have) runs its constructor.
            string control = Path.Combine(_work, "control-ran.txt");
            string controlLibrary = Path.Combine(_work, "libcontrol.so");
            await CompileMarkerLibraryAsync(controlLibrary, control);
            NativeLibrary.Free(NativeLibrary.Load(controlLibrary));
            Assert.True(File.Exists(control), "the control copy of the library did not run its constructor");
        }
        finally
        {
            TinyModelFixture.DeleteFolder(folder);
        }
    }

    [Theory]
    [InlineData("[{\"cuda\": {\"device_id\": \"0\"}}]")]
    [InlineData("[{\"dml\": {}}]")]
    [InlineData("{\"cuda\": {}}")]
    [InlineData("null")]
    public void Execution_providers_chosen_by_the_folder_are_refused(string providerOptions)
    {
        using var folder = new FakeModelFolder();
        folder.WriteGenAiConfig(WithSessionOptions(new JsonObject { ["provider_options"] = JsonNode.Parse(providerOptions) }));

        var ex = LoadFails(folder);
        Assert.Contains("model.decoder.session_options.provider_options", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PaliGemmaModelOptions.ExecutionProvider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_ops_library_anywhere_in_the_file_is_named_first()
    {
        using var folder = new FakeModelFolder();
        JsonObject config = Config();
        config["model"]!["unknown_first"] = 1;
        config["search"]!["custom_ops_library"] = "/tmp/x.so";
        folder.WriteGenAiConfig(config);

        var ex = LoadFails(folder);
        Assert.Contains("search.custom_ops_library is not allowed", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> UnknownKeys() => new()
    {
        { "model", "vision", "{\"filename\": \"vision.onnx\"}" },
        { "model", "embedding", "{\"filename\": \"x.onnx\"}" },
        { "model.decoder.session_options", "intra_op_num_threads", "4" },
        { "model.decoder.session_options", "log_severity_level", "0" },
        { "model.decoder", "pipeline", "[]" },
        { "search", "unknown_option", "true" },
        { "", "processor", "{}" },
    };

    [Theory]
    [MemberData(nameof(UnknownKeys))]
    public void Keys_the_converter_does_not_write_are_refused_by_name(string parent, string key, string value)
    {
        using var folder = new FakeModelFolder();
        JsonObject config = Config();
        JsonObject target = parent.Length == 0 ? config : parent.Split('.').Aggregate((JsonNode)config, (node, name) => node[name] ??= new JsonObject()).AsObject();
        target[key] = JsonNode.Parse(value);
        folder.WriteGenAiConfig(config);

        var ex = LoadFails(folder);
        string path = parent.Length == 0 ? key : parent + "." + key;
        Assert.Contains($"{path} is not an allowed key", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> WrongKinds() => new()
    {
        { "{\"model\": {\"bos_token_id\": 1.5}}", "model.bos_token_id must be an integer" },
        { "{\"model\": {\"pad_token_id\": 4294967296}}", "model.pad_token_id must be an integer" },
        { "{\"model\": {\"context_length\": 1e400}}", "model.context_length must be an integer" },
        { "{\"model\": {\"eos_token_id\": [1, \"2\"]}}", "model.eos_token_id must be an integer or an array" },
        { "{\"model\": {\"type\": \"phi3v\"}}", "model.type must be \"decoder\"" },
        { "{\"model\": {\"decoder\": {\"filename\": 7}}}", "model.decoder.filename must be a string" },
        { "{\"search\": {\"top_p\": \"high\"}}", "search.top_p must be a finite number" },
        { "{\"search\": {\"do_sample\": 1}}", "search.do_sample must be true or false" },
        { "{\"model\": {\"decoder\": {\"inputs\": []}}}", "model.decoder.inputs must be an object" },
    };

    [Theory]
    [MemberData(nameof(WrongKinds))]
    public void Values_of_the_wrong_kind_are_refused_by_name(string overlay, string expected)
    {
        using var folder = new FakeModelFolder();
        JsonObject config = Config();
        Merge(config, JsonNode.Parse(overlay)!.AsObject());
        folder.WriteGenAiConfig(config);

        var ex = LoadFails(folder);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\": {\"vocab_size\": 1300, \"vocab_size\": 1300}}", "model.vocab_size appears twice")]
    [InlineData("{\"model\": {\"decoder\": {\"session_options\": {\"provider_options\": [], \"provider_options\": []}}}}", "model.decoder.session_options.provider_options appears twice")]
    public void A_key_given_twice_is_refused(string json, string expected)
    {
        using var folder = new FakeModelFolder();
        File.WriteAllText(folder.PathOf("genai_config.json"), json);

        var ex = LoadFails(folder);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "array")]
    [InlineData("42", "number")]
    public void A_root_that_is_not_an_object_is_refused(string json, string kind)
    {
        using var folder = new FakeModelFolder();
        File.WriteAllText(folder.PathOf("genai_config.json"), json);

        var ex = LoadFails(folder);
        Assert.Contains($"holds a JSON {kind}, not an object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Harmless_search_options_and_an_empty_provider_list_are_accepted()
    {
        using var folder = new FakeModelFolder();
        JsonObject config = Config();
        Merge(config, JsonNode.Parse("""
            {"model": {"decoder": {"session_options": {"log_id": "x", "provider_options": []}}},
             "search": {"length_penalty": 1.0, "no_repeat_ngram_size": 0, "diversity_penalty": 0.0, "random_seed": 3, "early_stopping": true}}
            """)!.AsObject());
        folder.WriteGenAiConfig(config);

        // The placeholder graphs fail later, in ONNX Runtime; the configuration itself passed.
        var ex = LoadFails(folder, expectConfig: false);
        Assert.NotEqual(folder.PathOf("genai_config.json"), ex.FilePath);
    }

    private static PaliGemmaModelException LoadFails(FakeModelFolder folder, bool expectConfig = true)
    {
        var ex = Assert.Throws<PaliGemmaModelException>(() => PaliGemmaModel.Load(folder.Root));
        if (expectConfig)
        {
            Assert.Equal(folder.PathOf("genai_config.json"), ex.FilePath);
        }

        return ex;
    }

    private static JsonObject Config() => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(FakeModelFolder.GenAiConfig()))!.AsObject();

    private static JsonObject WithSessionOptions(JsonObject sessionOptions)
    {
        JsonObject config = Config();
        config["model"]!["decoder"]!["session_options"] = sessionOptions;
        return config;
    }

    private static void Merge(JsonObject target, JsonObject overlay)
    {
        foreach ((string key, JsonNode? value) in overlay.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static void AddToDecoderSessionOptions(string folder, string key, JsonNode value)
    {
        string path = Path.Combine(folder, "genai_config.json");
        JsonNode config = JsonNode.Parse(File.ReadAllText(path))!;
        config["model"]!["decoder"]!["session_options"]![key] = value;
        File.WriteAllText(path, config.ToJsonString());
    }

    /// <summary>Compiles a shared library whose constructor writes <paramref name="marker"/> (needs a C compiler: .ci/run installs gcc).</summary>
    private async Task CompileMarkerLibraryAsync(string library, string marker)
    {
        string source = Path.Combine(_work, Path.GetFileNameWithoutExtension(library) + ".c");
        File.WriteAllText(source, $$"""
            #include <stdio.h>
            __attribute__((constructor)) static void pg_marker(void)
            {
                FILE* f = fopen("{{marker}}", "w");
                if (f) { fputs("the constructor ran\n", f); fclose(f); }
            }
            """);
        string? compiler = new[] { "/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang" }.FirstOrDefault(File.Exists);
        Assert.True(compiler is not null, "no C compiler (cc, gcc or clang) in /usr/bin: install one (`apt-get install -y gcc`; .ci/run does)");
        (int exit, string stdout, string stderr) = await ProcessRunner.RunAsync(compiler, ["-shared", "-fPIC", "-o", library, source]);
        Assert.True(exit == 0 && File.Exists(library), $"{compiler} failed ({exit}): {stdout}{stderr}");
    }
}
