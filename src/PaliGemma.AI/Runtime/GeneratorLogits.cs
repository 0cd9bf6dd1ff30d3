using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using PaliGemma.AI.Constraints;

namespace PaliGemma.AI.Runtime;

/// <summary>
/// Masks a generator's next-token logits between steps, per row, for constrained decoding. ONNX Runtime GenAI 0.20's
/// native library exports <c>OgaGenerator_GetLogits</c> (a CPU copy of the current logits, [batch, 1, vocab]) and
/// <c>OgaGenerator_SetLogits</c> (replaces them; the next <c>GenerateNextToken</c> selects from them instead of running
/// the model), but its C# API does not wrap them, so they are called here on the managed generator's native handle.
/// </summary>
internal static partial class GeneratorLogits
{
    private const string Library = "onnxruntime-genai";

    /// <summary>Applies each row's constraint (null rows are left as they are) to the logits of the coming step.</summary>
    /// <param name="generator">The generator, after <c>AppendTokens</c> or a <c>GenerateNextToken</c>.</param>
    /// <param name="rows">One entry per batch row; a null entry is not constrained.</param>
    /// <param name="vocab">The width of a logits row (genai_config <c>vocab_size</c>).</param>
    public static unsafe void Apply(Generator generator, ReadOnlySpan<ConstraintState?> rows, int vocab)
    {
        IntPtr handle = GeneratorHandle(generator);
        Check(GetLogits(handle, out IntPtr tensor));
        try
        {
            Check(TensorGetShapeRank(tensor, out nuint rank));
            Span<long> shape = stackalloc long[(int)Math.Min(rank, 8)];
            fixed (long* dims = shape)
            {
                Check(TensorGetShape(tensor, dims, (nuint)shape.Length));
            }

            long elements = 1;
            foreach (long dim in shape)
            {
                elements *= dim;
            }

            if (rank > 8 || elements != (long)rows.Length * vocab)
            {
                throw new InvalidOperationException($"ONNX Runtime GenAI returned logits of shape [{string.Join(", ", shape.ToArray())}]; {rows.Length} × {vocab} values were expected.");
            }

            Check(TensorGetData(tensor, out IntPtr data));
            var logits = new Span<float>((void*)data, rows.Length * vocab);
            for (int row = 0; row < rows.Length; row++)
            {
                rows[row]?.Mask(logits.Slice(row * vocab, vocab));
            }

            Check(SetLogits(handle, tensor));
        }
        finally
        {
            DestroyTensor(tensor);
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_generatorHandle")]
    private static extern ref IntPtr GeneratorHandle(Generator generator);

    private static void Check(IntPtr result)
    {
        if (result == IntPtr.Zero)
        {
            return;
        }

        string message = Marshal.PtrToStringUTF8(ResultGetError(result)) ?? "unknown error";
        DestroyResult(result);
        throw new InvalidOperationException("ONNX Runtime GenAI: " + message);
    }

    [LibraryImport(Library, EntryPoint = "OgaGenerator_GetLogits")]
    private static partial IntPtr GetLogits(IntPtr generator, out IntPtr tensor);

    [LibraryImport(Library, EntryPoint = "OgaGenerator_SetLogits")]
    private static partial IntPtr SetLogits(IntPtr generator, IntPtr tensor);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetData")]
    private static partial IntPtr TensorGetData(IntPtr tensor, out IntPtr data);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetShapeRank")]
    private static partial IntPtr TensorGetShapeRank(IntPtr tensor, out nuint rank);

    [LibraryImport(Library, EntryPoint = "OgaTensorGetShape")]
    private static unsafe partial IntPtr TensorGetShape(IntPtr tensor, long* dims, nuint count);

    [LibraryImport(Library, EntryPoint = "OgaDestroyTensor")]
    private static partial void DestroyTensor(IntPtr tensor);

    [LibraryImport(Library, EntryPoint = "OgaResultGetError")]
    private static partial IntPtr ResultGetError(IntPtr result);

    [LibraryImport(Library, EntryPoint = "OgaDestroyResult")]
    private static partial void DestroyResult(IntPtr result);
}
