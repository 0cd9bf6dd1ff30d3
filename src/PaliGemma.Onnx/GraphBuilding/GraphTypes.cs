using Onnx;

namespace PaliGemma.Onnx.GraphBuilding;

/// <summary>ONNX tensor element types used by the graphs (values of <c>TensorProto.DataType</c>).</summary>
internal enum ElementType
{
    /// <summary>float32.</summary>
    Float = 1,

    /// <summary>uint8.</summary>
    UInt8 = 2,

    /// <summary>int64.</summary>
    Int64 = 7,

    /// <summary>bool.</summary>
    Bool = 9,

    /// <summary>float16.</summary>
    Float16 = 10,
}

/// <summary>One dimension of a declared input/output: a fixed size or a symbolic name.</summary>
internal readonly record struct Dim(long Value, string? Symbol)
{
    /// <summary>A fixed dimension.</summary>
    public static implicit operator Dim(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static implicit operator Dim(string symbol) => new(0, symbol);
}

/// <summary>Factory for node attributes.</summary>
internal static class Attr
{
    /// <summary>An integer attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
