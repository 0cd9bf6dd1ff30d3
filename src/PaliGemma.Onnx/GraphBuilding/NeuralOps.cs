namespace PaliGemma.Onnx.GraphBuilding;

/// <summary>
/// Neural-network building blocks expressed in plain opset-17 ops. Activations are float32 throughout;
/// with float16 weights a linear layer casts its input to float16, multiplies in float16 and casts the
/// product back to float32 before the (float32) bias add.
/// </summary>
internal sealed class NeuralOps
{
    private readonly OnnxGraphBuilder _b;
    private readonly bool _half;

    /// <summary>Creates the helper over <paramref name="builder"/>.</summary>
    public NeuralOps(OnnxGraphBuilder builder, bool half)
    {
        _b = builder;
        _half = half;
    }

    /// <summary>Casts a tensor to another element type.</summary>
    public string Cast(string x, ElementType to) => _b.Op("Cast", [x], [Attr.Int("to", (int)to)]);

    /// <summary>
    /// <c>x @ w (+ bias)</c>: MatMul for a float weight laid out [in, out] (in float16 when the weights are), or
    /// <c>com.microsoft.MatMulNBits</c> on the float32 activation for a 4-bit weight.
    /// </summary>
    public string Linear(string x, LinearWeight weight, string? bias = null)
    {
        string y;
        if (weight.Int4 is Int4Weight q)
        {
            string[] inputs = q.ZeroPoints is null ? [x, weight.Name, q.Scales] : [x, weight.Name, q.Scales, q.ZeroPoints];
            y = _b.Op(
                "MatMulNBits",
                inputs,
                [Attr.Int("K", weight.InDim), Attr.Int("N", weight.OutDim), Attr.Int("bits", 4), Attr.Int("block_size", q.BlockSize), Attr.Int("accuracy_level", q.AccuracyLevel)],
                domain: OnnxGraphBuilder.MicrosoftDomain);
        }
        else
        {
            y = _half
                ? Cast(_b.Op("MatMul", Cast(x, ElementType.Float16), weight.Name), ElementType.Float)
                : _b.Op("MatMul", x, weight.Name);
        }

        if (weight.Lora is { } lora)
        {
            y = AddLora(y, x, lora);
        }

        return bias is null ? y : _b.Op("Add", y, bias);
    }

    /// <summary>
    /// <c>x @ w</c> for a weight fused from several (<see cref="WeightLoader.FusedLinear"/>), split back on the last axis
    /// into outputs of <paramref name="widths"/> features, each with its own run-time LoRA branch when it has one.
    /// </summary>
    public string[] LinearSplit(string x, LinearWeight weight, params long[] widths)
    {
        string[] parts = _b.OpMulti("Split", [Linear(x, weight), _b.ConstI64(widths)], widths.Length, [Attr.Int("axis", -1)]);
        for (int i = 0; i < parts.Length; i++)
        {
            if (weight.PartLora?[i] is { } lora)
            {
                parts[i] = AddLora(parts[i], x, lora);
            }
        }

        return parts;
    }

    /// <summary>Run-time LoRA: <c>y + (x·A)·B</c> in float32; A and B are zero-rank unless an adapter overrides them.</summary>
    private string AddLora(string y, string x, RuntimeLoraInputs lora) =>
        _b.Op("Add", y, _b.Op("MatMul", _b.Op("MatMul", x, lora.A), lora.B));

    /// <summary>
    /// <c>x @ wᵀ</c> on the last axis of a rank-3 activation, for a weight stored [out, in] (tied lm_head);
    /// <paramref name="halfWeight"/> says the weight is float16 (multiplied in float16).
    /// </summary>
    public string LinearTransposedWeight(string x, string weight, long inDim, long outDim, string leadingShape, bool halfWeight)
    {
        string flat = _b.Op("Reshape", x, _b.ConstI64(-1, inDim));
        string a = halfWeight ? Cast(flat, ElementType.Float16) : flat;
        string y = _b.Op("Gemm", [a, weight], [Attr.Int("transB", 1)]);
        if (halfWeight)
        {
            y = Cast(y, ElementType.Float);
        }

        string shape = _b.Op("Concat", [leadingShape, _b.ConstI64(outDim)], [Attr.Int("axis", 0)]);
        return _b.Op("Reshape", y, shape);
    }

    /// <summary>LayerNorm over the last axis (float32).</summary>
    public string LayerNorm(string x, string scale, string bias, float epsilon) =>
        _b.Op("LayerNormalization", [x, scale, bias], [Attr.Int("axis", -1), Attr.Float("epsilon", epsilon)]);

    /// <summary>Gemma RMSNorm <c>x · rsqrt(mean(x²) + eps) · (1 + w)</c> in float32; <paramref name="scalePlusOne"/> holds <c>1 + w</c>.</summary>
    public string RmsNorm(string x, string scalePlusOne, float epsilon)
    {
        string meanSquare = _b.Op("ReduceMean", [_b.Op("Mul", x, x)], [Attr.Ints("axes", -1), Attr.Int("keepdims", 1)]);
        string inverse = _b.Op("Reciprocal", _b.Op("Sqrt", _b.Op("Add", meanSquare, _b.ScalarF32(epsilon))));
        return _b.Op("Mul", _b.Op("Mul", x, inverse), scalePlusOne);
    }

    /// <summary>GELU, tanh approximation: <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c>.</summary>
    public string GeluTanh(string x)
    {
        string cube = _b.Op("Mul", _b.Op("Mul", x, x), x);
        string inner = _b.Op("Add", x, _b.Op("Mul", cube, _b.ScalarF32(0.044715f)));
        string t = _b.Op("Tanh", _b.Op("Mul", inner, _b.ScalarF32(MathF.Sqrt(2f / MathF.PI))));
        string onePlus = _b.Op("Add", t, _b.ScalarF32(1f));
        return _b.Op("Mul", _b.Op("Mul", x, _b.ScalarF32(0.5f)), onePlus);
    }

    /// <summary>Soft cap <c>tanh(x / cap) · cap</c>.</summary>
    public string Softcap(string x, float cap) =>
        _b.Op("Mul", _b.Op("Tanh", _b.Op("Div", x, _b.ScalarF32(cap))), _b.ScalarF32(cap));
}
