namespace PaliGemma.Onnx.Checkpoints;

/// <summary>Helpers for <see cref="TensorDataType"/>: safetensors dtype codes and element sizes.</summary>
public static class TensorDataTypes
{
    /// <summary>Gets the size of one element in bytes.</summary>
    /// <param name="dataType">The element type.</param>
    public static int SizeOf(TensorDataType dataType) => dataType switch
    {
        TensorDataType.Float32 => 4,
        TensorDataType.Float16 => 2,
        TensorDataType.BFloat16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown tensor data type."),
    };

    /// <summary>Gets the safetensors dtype code (<c>F32</c>, <c>F16</c>, <c>BF16</c>).</summary>
    /// <param name="dataType">The element type.</param>
    public static string ToSafetensorsCode(TensorDataType dataType) => dataType switch
    {
        TensorDataType.Float32 => "F32",
        TensorDataType.Float16 => "F16",
        TensorDataType.BFloat16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown tensor data type."),
    };

    /// <summary>Parses a safetensors dtype code; returns false for codes this library does not read.</summary>
    /// <param name="code">The dtype code from a safetensors header.</param>
    /// <param name="dataType">The parsed element type.</param>
    public static bool TryParseSafetensorsCode(string? code, out TensorDataType dataType)
    {
        switch (code)
        {
            case "F32":
                dataType = TensorDataType.Float32;
                return true;
            case "F16":
                dataType = TensorDataType.Float16;
                return true;
            case "BF16":
                dataType = TensorDataType.BFloat16;
                return true;
            default:
                dataType = default;
                return false;
        }
    }
}
