using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// Constructs ONNX Runtime GenAI objects so that a failed constructor cannot crash the process later.
/// </summary>
/// <remarks>
/// Re-checked on ONNX Runtime GenAI 0.20.0 (docs/performance.md): a <see cref="Tokenizer"/> whose constructor threw
/// still crashes the finalizer thread there, so this stays. In ONNX Runtime GenAI 0.18 the finalizers of <see cref="Model"/>, <see cref="Tokenizer"/>,
/// <see cref="GeneratorParams"/> and <see cref="Tensor"/> release their native handle without a null check
/// (<c>p-&gt;ExternalRelease()</c>). When the constructor throws (a corrupt decoder, a broken tokenizer, a
/// missing CUDA library) the half-built object is still finalized and the process dies with a segmentation
/// fault on the finalizer thread. Here the object is allocated first and its constructor run on it, so that on
/// failure its finalizer can be suppressed.
/// </remarks>
internal static class GenAiObjects
{
    /// <summary>Creates a <see cref="Model"/> from a configuration.</summary>
    public static Model CreateModel(Config config) => Construct<Model>([typeof(Config)], [config]);

    /// <summary>Creates the tokenizer of a model.</summary>
    public static Tokenizer CreateTokenizer(Model model) => Construct<Tokenizer>([typeof(Model)], [model]);

    /// <summary>Creates generator parameters for a model.</summary>
    public static GeneratorParams CreateGeneratorParams(Model model) => Construct<GeneratorParams>([typeof(Model)], [model]);

    /// <summary>Wraps a pinned buffer as a tensor (no copy).</summary>
    public static Tensor CreateTensor(IntPtr data, long[] shape, ElementType type)
        => Construct<Tensor>([typeof(IntPtr), typeof(long[]), typeof(ElementType)], [data, shape, type]);

    private static T Construct<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(Type[] parameterTypes, object[] arguments)
        where T : class
    {
        ConstructorInfo constructor = typeof(T).GetConstructor(parameterTypes)
            ?? throw new MissingMethodException(typeof(T).FullName, ".ctor");
        var instance = (T)RuntimeHelpers.GetUninitializedObject(typeof(T));
        try
        {
            constructor.Invoke(instance, arguments);
            return instance;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            GC.SuppressFinalize(instance);
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
        catch
        {
            GC.SuppressFinalize(instance);
            throw;
        }
    }
}
