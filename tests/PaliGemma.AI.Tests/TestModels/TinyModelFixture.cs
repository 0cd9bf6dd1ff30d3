using System.Collections.Concurrent;
using PaliGemma.AI.Runtime;
using PaliGemma.Onnx.Graphs;
using PaliGemma.Onnx.Tiny;

namespace PaliGemma.AI.Tests.TestModels;

/// <summary>The tiny random-weight models the runtime tests use.</summary>
public enum TinyModelKind
{
    /// <summary>PaliGemma 1 shape (Gemma decoder), 224 px → 256 image tokens.</summary>
    PaliGemma1At224,

    /// <summary>PaliGemma 2 shape (Gemma 2 decoder), 224 px → 256 image tokens.</summary>
    PaliGemma2At224,

    /// <summary>PaliGemma 2 shape, 448 px → 1024 image tokens.</summary>
    PaliGemma2At448,

    /// <summary>The <see cref="PaliGemma2At224"/> weights exported with fp16 matrices.</summary>
    PaliGemma2At224Fp16,
}

/// <summary>
/// Generates tiny PaliGemma model folders (random weights, real architecture, converted with
/// <see cref="TinyModels.CreateModelFolder"/>) once and loads each once per test class. Folders live under the
/// test output folder (<c>bin/…/tiny-models</c>, git-ignored) and are reused while their options and converter
/// version are unchanged. Use with <c>IClassFixture&lt;TinyModelFixture&gt;</c>.
/// </summary>
/// <remarks>
/// Embedding and weight scales are chosen so greedy output varies from token to token and with the image
/// (with larger embeddings a tied-head tiny model just repeats its last input token).
/// </remarks>
public sealed class TinyModelFixture : IDisposable
{
    private static readonly ConcurrentDictionary<TinyModelKind, Lazy<string>> Folders = new();
    private readonly ConcurrentDictionary<TinyModelKind, Lazy<PaliGemmaModel>> _models = new();

    /// <summary>Options of each kind.</summary>
    public static TinyModelOptions OptionsOf(TinyModelKind kind) => kind switch
    {
        TinyModelKind.PaliGemma1At224 => Base with { Variant = TinyModelVariant.PaliGemma1, ImageSize = 224 },
        TinyModelKind.PaliGemma2At224 => Base with { Variant = TinyModelVariant.PaliGemma2, ImageSize = 224 },
        TinyModelKind.PaliGemma2At448 => Base with { Variant = TinyModelVariant.PaliGemma2, ImageSize = 448 },
        TinyModelKind.PaliGemma2At224Fp16 => Base with { Variant = TinyModelVariant.PaliGemma2, ImageSize = 224 },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static TinyModelOptions Base { get; } = new() { Seed = 7, EmbeddingStd = 0.05f, WeightStd = 0.5f };

    /// <summary>Every kind, for <c>[MemberData]</c>.</summary>
    public static TheoryData<TinyModelKind> AllKinds => [TinyModelKind.PaliGemma1At224, TinyModelKind.PaliGemma2At224, TinyModelKind.PaliGemma2At448];

    /// <summary>Returns the model folder of <paramref name="kind"/>, generating it on first use (thread-safe).</summary>
    public static string FolderOf(TinyModelKind kind)
        => Folders.GetOrAdd(kind, k => new Lazy<string>(() => Create(k))).Value;

    /// <summary>Returns this fixture's loaded model of <paramref name="kind"/> (shared by the class's tests; do not dispose).</summary>
    public PaliGemmaModel Model(TinyModelKind kind)
        => _models.GetOrAdd(kind, k => new Lazy<PaliGemmaModel>(() => PaliGemmaModel.Load(FolderOf(k)))).Value;

    /// <summary>Copies the folder of <paramref name="kind"/> to a new temporary folder (to break it in a test).</summary>
    /// <returns>The copy; delete it with <see cref="DeleteFolder"/>.</returns>
    public static string CopyFolder(TinyModelKind kind)
    {
        string source = FolderOf(kind);
        string target = Path.Combine(Path.GetTempPath(), "paligemma-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }

    /// <summary>Deletes a folder made by <see cref="CopyFolder"/>, ignoring I/O errors.</summary>
    public static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A deterministic CHW pixel tensor in [-1, 1] for a model of <paramref name="imageSize"/> px.</summary>
    public static float[] Pixels(int imageSize, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[3 * imageSize * imageSize];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)((random.NextDouble() * 2.0) - 1.0);
        }

        return pixels;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Lazy<PaliGemmaModel> model in _models.Values)
        {
            if (model.IsValueCreated)
            {
                model.Value.Dispose();
            }
        }
    }

    private static string Create(TinyModelKind kind)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "tiny-models", kind.ToString());
        TinyModels.CreateModelFolder(folder, OptionsOf(kind), kind == TinyModelKind.PaliGemma2At224Fp16 ? ModelPrecision.Float16 : ModelPrecision.Float32);
        return folder;
    }
}
