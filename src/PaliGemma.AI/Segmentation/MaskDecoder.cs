using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.AI.Runtime;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI;

/// <summary>
/// Runs PaliGemma's mask decoder (big_vision's VQ-VAE decoder exported as <c>mask_decoder.onnx</c>):
/// 16 codes from the <c>&lt;segNNN&gt;</c> tokens → 64×64 mask logits (foreground where &gt; 0).
/// Instances are thread-safe: ONNX Runtime sessions may be run concurrently, and <see cref="Dispose"/> may be called
/// while decodes run (the session is freed when the last one ends; later calls throw <see cref="ObjectDisposedException"/>).
/// </summary>
public sealed class MaskDecoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly UsageGuard _guard;

    private MaskDecoder(InferenceSession session, string path, int codebookSize)
    {
        _session = session;
        _guard = new UsageGuard(session.Dispose, nameof(MaskDecoder));
        ModelPath = path;
        CodebookSize = codebookSize;
    }

    /// <summary>Gets the model file this decoder was loaded from.</summary>
    public string ModelPath { get; }

    /// <summary>Gets the number of codebook entries; valid codes are 0 to <c>CodebookSize − 1</c>.</summary>
    public int CodebookSize { get; }

    /// <summary>Loads and validates a mask decoder model.</summary>
    /// <param name="onnxPath">The <c>mask_decoder.onnx</c> file.</param>
    /// <returns>The decoder; dispose it to free the native session.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model, or its inputs/outputs are not
    /// <c>codes</c> int64 [batch, 16] → <c>logits</c> float32 [batch, 64, 64].</exception>
    public static MaskDecoder Load(string onnxPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        if (!File.Exists(onnxPath))
        {
            throw new FileNotFoundException($"The mask decoder model '{onnxPath}' does not exist.", onnxPath);
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(onnxPath);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"'{onnxPath}' is not a loadable ONNX model: {ex.Message}", ex);
        }

        try
        {
            Validate(session, onnxPath);
            return new MaskDecoder(session, onnxPath, ReadCodebookSize(session, onnxPath));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Decodes one mask.</summary>
    /// <param name="codes">Exactly 16 codes, each in 0..<see cref="CodebookSize"/> − 1, in the order the model wrote them.</param>
    /// <returns>4096 logits, row-major 64×64 (row = y); foreground where the value is &gt; 0.</returns>
    /// <exception cref="ArgumentException">Not 16 codes, or a code out of range.</exception>
    /// <exception cref="ObjectDisposedException">The decoder was disposed.</exception>
    public float[] DecodeLogits(ReadOnlySpan<int> codes)
    {
        if (codes.Length != MaskDecoderGraphNames.CodesPerMask)
        {
            throw new ArgumentException($"A mask needs exactly {MaskDecoderGraphNames.CodesPerMask} codes, got {codes.Length}.", nameof(codes));
        }

        long[] input = new long[MaskDecoderGraphNames.CodesPerMask];
        for (int i = 0; i < codes.Length; i++)
        {
            if ((uint)codes[i] >= (uint)CodebookSize)
            {
                throw new ArgumentException($"Code {codes[i]} at position {i} is outside 0..{CodebookSize - 1}.", nameof(codes));
            }

            input[i] = codes[i];
        }

        var tensor = new DenseTensor<long>(input, [1, MaskDecoderGraphNames.CodesPerMask]);
        _guard.Enter();
        try
        {
            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
                _session.Run([NamedOnnxValue.CreateFromTensor(MaskDecoderGraphNames.Codes, tensor)], [MaskDecoderGraphNames.Logits]);
            Tensor<float> logits = results[0].AsTensor<float>();
            if (logits.Length != MaskDecoderGraphNames.MaskSize * MaskDecoderGraphNames.MaskSize)
            {
                throw new InvalidDataException($"{ModelPath}: the model returned {logits.Length} logits, expected {MaskDecoderGraphNames.MaskSize * MaskDecoderGraphNames.MaskSize}.");
            }

            return logits.ToArray();
        }
        finally
        {
            _guard.Exit();
        }
    }

    /// <summary>Frees the native session once running decodes have finished; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _guard.Dispose();

    private static void Validate(InferenceSession session, string path)
    {
        if (!session.InputMetadata.TryGetValue(MaskDecoderGraphNames.Codes, out NodeMetadata? input) || session.InputMetadata.Count != 1)
        {
            throw new InvalidDataException($"{path}: a mask decoder must have exactly one input '{MaskDecoderGraphNames.Codes}'; found [{string.Join(", ", session.InputMetadata.Keys)}].");
        }

        if (!session.OutputMetadata.TryGetValue(MaskDecoderGraphNames.Logits, out NodeMetadata? output))
        {
            throw new InvalidDataException($"{path}: a mask decoder must have an output '{MaskDecoderGraphNames.Logits}'; found [{string.Join(", ", session.OutputMetadata.Keys)}].");
        }

        if (input.ElementType != typeof(long) || !ShapeMatches(input.Dimensions, [-1, MaskDecoderGraphNames.CodesPerMask]))
        {
            throw new InvalidDataException($"{path}: input '{MaskDecoderGraphNames.Codes}' is {input.ElementType.Name} [{Dims(input.Dimensions)}], expected Int64 [batch, {MaskDecoderGraphNames.CodesPerMask}].");
        }

        if (output.ElementType != typeof(float) || !ShapeMatches(output.Dimensions, [-1, MaskDecoderGraphNames.MaskSize, MaskDecoderGraphNames.MaskSize]))
        {
            throw new InvalidDataException($"{path}: output '{MaskDecoderGraphNames.Logits}' is {output.ElementType.Name} [{Dims(output.Dimensions)}], expected Single [batch, {MaskDecoderGraphNames.MaskSize}, {MaskDecoderGraphNames.MaskSize}].");
        }
    }

    private static int ReadCodebookSize(InferenceSession session, string path)
    {
        if (!session.ModelMetadata.CustomMetadataMap.TryGetValue(MaskDecoderGraphNames.CodebookSizeMetadataKey, out string? text))
        {
            return MaskDecoderGraphNames.DefaultCodebookSize;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1)
        {
            throw new InvalidDataException($"{path}: metadata '{MaskDecoderGraphNames.CodebookSizeMetadataKey}' = '{text}' is not a positive integer.");
        }

        return size;
    }

    /// <summary>Fixed dimensions must match; a symbolic (batch) dimension (−1 or 0) matches −1.</summary>
    private static bool ShapeMatches(int[] actual, int[] expected)
    {
        if (actual.Length != expected.Length)
        {
            return false;
        }

        for (int i = 0; i < actual.Length; i++)
        {
            bool symbolic = actual[i] <= 0;
            if (expected[i] < 0 ? !(symbolic || actual[i] >= 1) : actual[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string Dims(int[] dims) => string.Join(", ", dims.Select(d => d <= 0 ? "?" : d.ToString(CultureInfo.InvariantCulture)));
}
