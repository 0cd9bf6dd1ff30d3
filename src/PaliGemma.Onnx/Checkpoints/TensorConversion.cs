using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace PaliGemma.Onnx.Checkpoints;

/// <summary>Converts little-endian stored tensor bytes to and from float32.</summary>
public static class TensorConversion
{
    /// <summary>Converts stored elements to float32; <paramref name="source"/> holds exactly <c>destination.Length</c> elements.</summary>
    /// <param name="dataType">The stored element type.</param>
    /// <param name="source">Little-endian element bytes.</param>
    /// <param name="destination">Receives the float32 values.</param>
    public static void ToFloat32(TensorDataType dataType, ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckStoredLength(dataType, source.Length, destination.Length, "Source", nameof(source));

        switch (dataType)
        {
            case TensorDataType.Float32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case TensorDataType.Float16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case TensorDataType.BFloat16:
                BFloat16ToFloat32(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown tensor data type.");
        }
    }

    /// <summary>Converts float32 values to the stored element type (round to nearest even for F16 and BF16).</summary>
    /// <param name="dataType">The element type to write.</param>
    /// <param name="source">The float32 values.</param>
    /// <param name="destination">Receives <c>source.Length</c> little-endian elements.</param>
    public static void FromFloat32(TensorDataType dataType, ReadOnlySpan<float> source, Span<byte> destination)
    {
        CheckStoredLength(dataType, destination.Length, source.Length, "Destination", nameof(destination));

        switch (dataType)
        {
            case TensorDataType.Float32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case TensorDataType.Float16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            case TensorDataType.BFloat16:
                Float32ToBFloat16(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "Unknown tensor data type.");
        }
    }

    /// <summary>Checks that the stored side holds exactly <paramref name="elements"/> elements of <paramref name="dataType"/> (on a little-endian machine).</summary>
    private static void CheckStoredLength(TensorDataType dataType, int bytes, int elements, string side, string paramName)
    {
        EnsureLittleEndian();
        if (bytes != (long)elements * TensorDataTypes.SizeOf(dataType))
        {
            throw new ArgumentException($"{side} holds {bytes} bytes, expected {elements} {dataType} elements.", paramName);
        }
    }

    /// <summary>Rounds a float32 to bfloat16 bits (round to nearest even; NaN stays NaN).</summary>
    /// <param name="value">The value.</param>
    public static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>Widens bfloat16 bits to float32.</summary>
    /// <param name="bits">The bfloat16 bits.</param>
    public static float FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static void BFloat16ToFloat32(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        Span<uint> wide = MemoryMarshal.Cast<float, uint>(destination);
        for (int i = 0; i < source.Length; i++)
        {
            wide[i] = (uint)source[i] << 16;
        }
    }

    private static void Float32ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = ToBFloat16Bits(source[i]);
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Safetensors tensors are little-endian; big-endian hosts are not supported.");
        }
    }
}
