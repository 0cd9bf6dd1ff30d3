using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PaliGemma.AI.Runtime.Onnx;
using PaliGemma.ModelFormat;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// The SigLIP + projector graph (<c>vision.onnx</c>) on an ONNX Runtime session:
/// <c>pixel_values [B, 3, S, S]</c> → <c>image_features [B·N, hidden]</c>. <see cref="Encode"/> is thread-safe
/// (ONNX Runtime sessions allow concurrent runs).
/// </summary>
internal sealed class VisionEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _path;
    private readonly int _imageSize;
    private readonly int _tokens;
    private readonly int _hidden;
    private readonly bool _halfInput;
    private readonly Dictionary<string, OrtLoraAdapter> _adapters = new(StringComparer.Ordinal);
    private long _runs;

    private VisionEncoder(InferenceSession session, string path, PaliGemmaManifest manifest, bool halfInput)
    {
        _session = session;
        _path = path;
        _imageSize = manifest.ImageSize;
        _tokens = manifest.NumImageTokens;
        _hidden = manifest.TextHiddenSize;
        _halfInput = halfInput;
    }

    /// <summary>How many times the graph ran.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Creates the session and checks the graph's input and output names, shapes and types.</summary>
    public static VisionEncoder Create(string path, PaliGemmaManifest manifest, ExecutionProvider provider, ThreadSettings threads, IReadOnlyDictionary<string, string>? adapters = null)
    {
        using var options = new SessionOptions();
        options.IntraOpNumThreads = threads.IntraOpThreads;
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", threads.AllowSpinning ? "1" : "0");

        if (provider == ExecutionProvider.Cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(0);
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                throw new PaliGemmaModelException(path, "the CUDA execution provider is not available to ONNX Runtime: reference the Microsoft.ML.OnnxRuntime.Gpu and Microsoft.ML.OnnxRuntimeGenAI.Cuda packages in the application and install CUDA, or use ExecutionProvider \"cpu\". " + ex.Message, ex);
            }
        }

        InferenceSession session;
        VisionEncoder? encoder = null;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new PaliGemmaModelException(OnnxLoadErrors.FileAtFault(path, ex.Message), $"ONNX Runtime cannot load the vision graph: {ex.Message}", ex);
        }

        try
        {
            bool halfInput = CheckSignature(session, path, manifest);
            encoder = new VisionEncoder(session, path, manifest, halfInput);
            foreach ((string name, string adapterPath) in adapters ?? new Dictionary<string, string>())
            {
                try
                {
                    encoder._adapters.Add(name, OrtLoraAdapter.Create(adapterPath, null));
                }
                catch (OnnxRuntimeException ex)
                {
                    throw new PaliGemmaModelException(adapterPath, $"ONNX Runtime cannot load the run-time adapter '{name}': {ex.Message}", ex);
                }
            }

            return encoder;
        }
        catch
        {
            if (encoder is not null)
            {
                encoder.Dispose();
            }
            else
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <summary>Runs the graph on one CHW image and returns row-major features [N × hidden].</summary>
    public float[] Encode(ReadOnlySpan<float> pixelValues, string? adapter = null)
    {
        long[] shape = [1, 3, _imageSize, _imageSize];
        using OrtValue input = _halfInput
            ? OrtValue.CreateTensorValueFromMemory(ToHalf(pixelValues), shape)
            : OrtValue.CreateTensorValueFromMemory(pixelValues.ToArray(), shape);
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal) { [VisionGraphNames.PixelValues] = input };
        using var runOptions = new RunOptions();
        if (adapter is not null && _adapters.TryGetValue(adapter, out OrtLoraAdapter? lora))
        {
            // ONNX Runtime feeds the adapter's A/B tensors to the graph's LoRA inputs of the same names for this run only.
            runOptions.AddActiveLoraAdapter(lora);
        }

        using var outputs = _session.Run(runOptions, inputs, [VisionGraphNames.ImageFeatures]);
        Interlocked.Increment(ref _runs);

        OrtValue output = outputs[0];
        var info = output.GetTensorTypeAndShape();
        long[] outShape = info.Shape;
        if (outShape.Length != 2 || outShape[0] != _tokens || outShape[1] != _hidden)
        {
            throw new PaliGemmaModelException(_path, $"the vision graph returned image_features of shape [{string.Join(", ", outShape)}], expected [{_tokens}, {_hidden}] (num_image_tokens × text_hidden_size of the manifest).", null);
        }

        var result = new float[_tokens * _hidden];
        switch (info.ElementDataType)
        {
            case TensorElementType.Float:
                output.GetTensorDataAsSpan<float>().CopyTo(result);
                break;
            case TensorElementType.Float16:
                var half = output.GetTensorDataAsSpan<Float16>();
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = half[i].ToFloat();
                }

                break;
            default:
                throw new PaliGemmaModelException(_path, $"the vision graph returned {info.ElementDataType} image_features; float or float16 expected.", null);
        }

        return result;
    }

    /// <summary>Disposes the session.</summary>
    public void Dispose()
    {
        _session.Dispose();
        foreach (OrtLoraAdapter adapter in _adapters.Values)
        {
            adapter.Dispose();
        }
    }

    private static Float16[] ToHalf(ReadOnlySpan<float> values)
    {
        var half = new Float16[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            half[i] = (Float16)values[i];
        }

        return half;
    }

    private static bool CheckSignature(InferenceSession session, string path, PaliGemmaManifest manifest)
    {
        void Fail(string message) => throw new PaliGemmaModelException(path, message, null);

        int s = manifest.ImageSize;
        if (!session.InputMetadata.TryGetValue(VisionGraphNames.PixelValues, out var input))
        {
            Fail($"the vision graph has no input '{VisionGraphNames.PixelValues}' (inputs: {string.Join(", ", session.InputMetadata.Keys)}).");
        }

        if (!session.OutputMetadata.TryGetValue(VisionGraphNames.ImageFeatures, out var output))
        {
            Fail($"the vision graph has no output '{VisionGraphNames.ImageFeatures}' (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
        }

        int[] inDims = input!.Dimensions;
        if (!input.IsTensor || inDims.Length != 4 || !Fits(inDims[1], 3) || !Fits(inDims[2], s) || !Fits(inDims[3], s))
        {
            Fail($"the vision graph's input '{VisionGraphNames.PixelValues}' has shape [{Describe(inDims)}], expected [batch, 3, {s}, {s}] for image_size {s}.");
        }

        int[] outDims = output!.Dimensions;
        if (!output.IsTensor || outDims.Length != 2 || !Fits(outDims[1], manifest.TextHiddenSize))
        {
            Fail($"the vision graph's output '{VisionGraphNames.ImageFeatures}' has shape [{Describe(outDims)}], expected [tokens, {manifest.TextHiddenSize}] for text_hidden_size {manifest.TextHiddenSize}.");
        }

        if (input.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16))
        {
            Fail($"the vision graph's input '{VisionGraphNames.PixelValues}' is {input.ElementDataType}; float or float16 expected.");
        }

        return input.ElementDataType == TensorElementType.Float16;
    }

    private static bool Fits(int dimension, int expected) => dimension < 0 || dimension == expected;

    private static string Describe(int[] dims) => string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
